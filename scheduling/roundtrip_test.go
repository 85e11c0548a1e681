package scheduling

import (
	"bytes"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

func scenarioCal(t *testing.T, file, section string) *goical.Calendar {
	t.Helper()
	for _, sc := range loadScenarios(t) {
		if sc.name == file {
			return sc.cal(t, section)
		}
	}
	t.Fatalf("no scenario %s", file)
	return nil
}

// TestRoundTrip chains both sides: the organizer's invitation becomes
// Bob's copy, Bob's acceptance becomes a REPLY, the REPLY updates the
// organizer's copy, and a repeated REPLY changes nothing.
func TestRoundTrip(t *testing.T) {
	orgCopy := scenarioCal(t, "weekly-reschedule-one-occurrence", "old.ics")
	before := ical.EncodeText(orgCopy)
	res, err := Process(nil, orgCopy, "mailto:alice@example.com", Options{Now: testNow})
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("invite: %v, %d messages", err, len(res.Messages))
	}
	if !bytes.Equal(before, ical.EncodeText(orgCopy)) {
		t.Fatal("Process modified its input")
	}
	res.SetScheduleStatus("mailto:bob@example.com", StatusDelivered)
	if p := attendee(components(res.Object).master, "mailto:bob@example.com"); p.Params.Get("SCHEDULE-STATUS") != StatusDelivered {
		t.Fatalf("SCHEDULE-STATUS not set: %v", p.Params)
	}
	bobCopy, err := ApplyRequest(nil, res.Messages[0].Calendar, "mailto:bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	accepted := cloneCal(bobCopy)
	attendee(components(accepted).master, "mailto:bob@example.com").Params.Set("PARTSTAT", "DECLINED")
	reply, err := Process(bobCopy, accepted, "mailto:bob@example.com", Options{Now: testNow})
	if err != nil || len(reply.Messages) != 1 || reply.Messages[0].Method != "REPLY" {
		t.Fatalf("reply: %v %+v", err, reply)
	}
	updated, changed, err := ApplyReply(res.Object, reply.Messages[0].Calendar)
	if err != nil || !changed {
		t.Fatalf("ApplyReply: %v changed=%v", err, changed)
	}
	if ps := partstat(attendee(components(updated).master, "mailto:bob@example.com")); ps != "DECLINED" {
		t.Errorf("organizer copy says %s", ps)
	}
	if _, changed, _ := ApplyReply(updated, reply.Messages[0].Calendar); changed {
		t.Error("repeated REPLY reported a change")
	}
}

// TestRoomAutoReply: the room declines the one conflicting occurrence;
// Decision.Apply and Process turn that into a REPLY with the series
// ACCEPTED and the occurrence DECLINED.
func TestRoomAutoReply(t *testing.T) {
	ev := scenarioCal(t, "room-conflict-one-occurrence", "event.ics")
	ins, err := ical.Expand(ev, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), ical.Options{})
	if err != nil {
		t.Fatal(err)
	}
	busy := []backend.InstanceRef{{Start: time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC), End: time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC), BusyType: "BUSY"}}
	d := RoomDecision(ins, busy, Policy{}, 0, 2)
	answered := d.Apply(ev, "mailto:room1@example.com")
	res, err := Process(ev, answered, "mailto:room1@example.com", Options{Now: testNow})
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("%v %d", err, len(res.Messages))
	}
	checkCal(t, "room reply", reparse(t, res.Messages[0].Calendar), [][]string{
		{"count", "2"},
		{"param", "master", "ATTENDEE", "mailto:room1@example.com", "PARTSTAT", "ACCEPTED"},
		{"param", "20240115T090000Z", "ATTENDEE", "mailto:room1@example.com", "PARTSTAT", "DECLINED"},
	})
}

// TestAddAnswer: a room's answer, one occurrence declined, is added to the
// invitation not yet delivered to bob: the series shows the room
// ACCEPTED, the occurrence DECLINED, as the organizer's copy does, and the
// message still carries no SCHEDULE-* parameter (RFC 6638 §7).
func TestAddAnswer(t *testing.T) {
	ev := scenarioCal(t, "room-conflict-one-occurrence", "event.ics")
	withBob := cloneCal(ev)
	master := components(withBob).master
	master.Props.Add(&goical.Prop{Name: "ATTENDEE", Value: "mailto:bob@example.com", Params: goical.Params{}})
	inv, err := Process(nil, withBob, "mailto:alice@example.com", Options{Now: testNow})
	if err != nil || len(inv.Messages) != 1 {
		t.Fatalf("invite: %v, %+v", err, inv)
	}
	ins, err := ical.Expand(ev, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), ical.Options{})
	if err != nil {
		t.Fatal(err)
	}
	busy := []backend.InstanceRef{{Start: time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC), End: time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC), BusyType: "BUSY"}}
	room := "mailto:room1@example.com"
	answered := RoomDecision(ins, busy, Policy{}, 0, 2).Apply(inv.Messages[0].Calendar, room)
	reply, err := Process(inv.Messages[0].Calendar, answered, room, Options{Now: testNow})
	if err != nil || len(reply.Messages) != 1 {
		t.Fatalf("room reply: %v %+v", err, reply)
	}
	m := inv.Messages[0]
	if !m.AddAnswer(reply.Messages[0].Calendar) {
		t.Fatal("AddAnswer reported no change")
	}
	checkCal(t, "invitation", reparse(t, m.Calendar), [][]string{
		{"method", "REQUEST"},
		{"count", "2"},
		{"param", "master", "ATTENDEE", room, "PARTSTAT", "ACCEPTED"},
		{"param", "20240115T090000Z", "ATTENDEE", room, "PARTSTAT", "DECLINED"},
	})
	if strings.Contains(string(ical.EncodeText(m.Calendar)), "SCHEDULE-") {
		t.Errorf("the message carries a SCHEDULE-* parameter:\n%s", ical.EncodeText(m.Calendar))
	}
	if m.AddAnswer(reply.Messages[0].Calendar) {
		t.Error("adding the same answer again reported a change")
	}
}

// TestAddWholeAnswerToOneOccurrence: a room's whole answer (Answer: the
// series and an override) reaches a REQUEST that carries only that
// override: its PARTSTAT is added there, the series part is left out.
func TestAddWholeAnswerToOneOccurrence(t *testing.T) {
	ev := scenarioCal(t, "room-conflict-one-occurrence", "event.ics")
	room := "mailto:room1@example.com"
	ins, err := ical.Expand(ev, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), ical.Options{})
	if err != nil {
		t.Fatal(err)
	}
	busy := []backend.InstanceRef{{Start: time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC), End: time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC), BusyType: "BUSY"}}
	roomCopy := RoomDecision(ins, busy, Policy{}, 0, 2).Apply(ev, room)
	whole := Answer(roomCopy, room, testNow)
	if whole == nil || len(components(whole.Calendar).keys) != 2 {
		t.Fatalf("the room's whole answer: %+v", whole)
	}
	// A REQUEST of the one occurrence only, as sent to an attendee of it.
	one := newMessage(ev, "REQUEST", "mailto:alice@example.com")
	one.add(occurrence(components(cloneCal(ev)), "20240115T090000Z", ridProp("20240115T090000Z"), false), testNow)
	if !one.AddAnswer(whole.Calendar) {
		t.Fatalf("the whole answer did not reach the REQUEST of one occurrence:\n%s", ical.EncodeText(one.Calendar))
	}
	checkCal(t, "invitation", reparse(t, one.Calendar), [][]string{
		{"count", "1"},
		{"param", "20240115T090000Z", "ATTENDEE", room, "PARTSTAT", "DECLINED"},
	})
}
