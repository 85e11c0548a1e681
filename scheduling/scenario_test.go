package scheduling

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

var testNow = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

// TestScenarios runs every testdata/*.txt scenario (scenarios as text fixtures, built from RFC 5546 and 6638 examples).
func TestScenarios(t *testing.T) {
	for _, sc := range loadScenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			switch op := sc.meta["op"]; op {
			case "", "process":
				runProcess(t, sc)
			case "reply", "request", "cancel":
				runApply(t, sc, op)
			case "room":
				runRoom(t, sc)
			default:
				t.Fatalf("unknown op %q", op)
			}
		})
	}
}

// wantError checks err against meta "error": a CALDAV condition,
// "not-attendee", "message" or "stale"; it reports whether an error was expected.
func wantError(t *testing.T, sc scenario, err error) bool {
	t.Helper()
	want := sc.meta["error"]
	var se *Error
	var na *NotAttendeeError
	var me *MessageError
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want == "":
		return false
	case err == nil:
		t.Fatalf("want error %s, got none", want)
	case want == "not-attendee" && !errors.As(err, &na),
		want == "message" && !errors.As(err, &me),
		want == "stale" && !errors.Is(err, ErrStaleReply):
		t.Fatalf("want %s error, got %v", want, err)
	case want != "not-attendee" && want != "message" && want != "stale":
		if !errors.As(err, &se) || se.Condition != want || se.Status != 403 {
			t.Fatalf("want precondition %s, got %v", want, err)
		}
	}
	return true
}

func runProcess(t *testing.T, sc scenario) {
	opts := Options{Now: testNow, NoReply: sc.meta["no-reply"] == "true"}
	if a := sc.meta["addresses"]; a != "" {
		opts.Addresses = strings.Fields(a)
	}
	old, new := sc.cal(t, "old.ics"), sc.cal(t, "new.ics")
	res, err := Process(old, new, sc.meta["actor"], opts)
	if wantError(t, sc, err) {
		return
	}
	top, blocks := sc.expect()
	for _, c := range top {
		if c[0] == "role" && c[1] != [...]string{"none", "organizer", "attendee"}[res.Role] {
			t.Errorf("role %d, want %s", res.Role, c[1])
		}
	}
	nmsg := 0
	for _, b := range blocks {
		if b.head[0] == "stored" {
			if res.Object == nil {
				t.Fatalf("nothing to store")
			}
			checkCal(t, "stored", reparse(t, res.Object), b.checks)
			continue
		}
		nmsg++
		m := findMessage(res.Messages, b.head[1], b.head[2:])
		if m == nil {
			t.Errorf("no %s to %v among:\n%s", b.head[1], b.head[2:], describe(res.Messages))
			continue
		}
		cal := reparse(t, m.Calendar)
		what := m.Method + " to " + strings.Join(m.Recipients, ",")
		if got := propValue(cal.Component, "METHOD"); got != m.Method {
			t.Errorf("%s: METHOD %q in body", what, got)
		}
		for _, c := range components(cal).byKey {
			if propValue(c, "DTSTAMP") != "20240101T120000Z" || c.Children != nil {
				t.Errorf("%s: DTSTAMP %q, %d sub-components", what, propValue(c, "DTSTAMP"), len(c.Children))
			}
			if strings.Contains(string(ical.EncodeText(cal)), "SCHEDULE-") {
				t.Errorf("%s: SCHEDULE-* parameter leaked", what)
			}
		}
		for _, c := range b.checks {
			if c[0] == "seq" {
				if strconv.Itoa(m.Sequence) != c[1] {
					t.Errorf("%s: Sequence %d, want %s", what, m.Sequence, c[1])
				}
			}
		}
		checkCal(t, what, cal, dropSeq(b.checks))
	}
	if nmsg != len(res.Messages) {
		t.Errorf("%d messages, want %d:\n%s", len(res.Messages), nmsg, describe(res.Messages))
	}
	if new == nil && res.Object != nil {
		t.Errorf("delete returned an object to store")
	}
}

func dropSeq(checks [][]string) [][]string {
	var out [][]string
	for _, c := range checks {
		if c[0] != "seq" {
			out = append(out, c)
		}
	}
	return out
}

func findMessage(ms []*Message, method string, rcpts []string) *Message {
	norm := func(l []string) string {
		var n []string
		for _, a := range l {
			n = append(n, normAddr(a))
		}
		sort.Strings(n)
		return strings.Join(n, " ")
	}
	for _, m := range ms {
		if m.Method == method && norm(m.Recipients) == norm(rcpts) {
			return m
		}
	}
	return nil
}

func describe(ms []*Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Method + " to " + strings.Join(m.Recipients, ",") + "\n" + string(ical.EncodeText(m.Calendar)))
	}
	return b.String()
}

func runApply(t *testing.T, sc scenario, op string) {
	cp, msg := sc.cal(t, "copy.ics"), sc.cal(t, "message.ics")
	var out *goical.Calendar
	var err error
	changed := true
	switch op {
	case "reply":
		out, changed, err = ApplyReply(cp, msg)
	case "request":
		out, err = ApplyRequest(cp, msg, sc.meta["actor"])
	case "cancel":
		out, err = ApplyCancel(cp, msg)
	}
	if wantError(t, sc, err) {
		return
	}
	top, blocks := sc.expect()
	for _, c := range top {
		switch c[0] {
		case "changed":
			if strconv.FormatBool(changed) != c[1] {
				t.Errorf("changed = %v, want %s", changed, c[1])
			}
		case "deleted":
			if out != nil {
				t.Errorf("want the copy deleted, got\n%s", ical.EncodeText(out))
			}
		}
	}
	for _, b := range blocks {
		if out == nil {
			t.Fatalf("copy deleted")
		}
		checkCal(t, "result", reparse(t, out), b.checks)
		if _, err := ical.Inspect(reparse(t, out), ical.Options{}); err != nil {
			t.Errorf("result is not a valid resource: %v", err)
		}
	}
}

func runRoom(t *testing.T, sc scenario) {
	ev := sc.cal(t, "event.ics")
	start, _ := time.Parse(utcLayout, sc.meta["start"])
	end, _ := time.Parse(utcLayout, sc.meta["end"])
	ins, err := ical.Expand(ev, start, end, ical.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var busy []backend.InstanceRef
	for _, line := range strings.Split(sc.sections["busy"], "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		s, _ := time.Parse(utcLayout, f[0])
		e, _ := time.Parse(utcLayout, f[1])
		ref := backend.InstanceRef{URI: "other.ics", Start: s, End: e, BusyType: "BUSY"}
		if len(f) > 2 {
			ref.Status = f[2]
		}
		busy = append(busy, ref)
	}
	pol := Policy{DeclineSeries: sc.meta["decline-series"] == "true"}
	pol.MaxConcurrent, _ = strconv.Atoi(sc.meta["concurrent"])
	pol.Mode = map[string]PolicyMode{"": AcceptIfFree, "accept-if-free": AcceptIfFree, "always-accept": AlwaysAccept,
		"always-decline": AlwaysDecline, "manual": Manual}[sc.meta["policy"]]
	capacity, _ := strconv.Atoi(sc.meta["capacity"])
	count, _ := strconv.Atoi(sc.meta["attendees"])
	d := RoomDecision(ins, busy, pol, capacity, count)
	top, _ := sc.expect()
	var occ []string
	for _, o := range d.Occurrences {
		occ = append(occ, o.Key+"="+o.PartStat)
	}
	for _, c := range top {
		switch c[0] {
		case "partstat":
			if d.PartStat != c[1] {
				t.Errorf("PartStat %s, want %s (%s)", d.PartStat, c[1], d.Reason)
			}
		case "occurrences":
			if strings.Join(occ, " ") != strings.Join(c[1:], " ") {
				t.Errorf("occurrences %v, want %v", occ, c[1:])
			}
		case "reason":
			if !strings.Contains(d.Reason, strings.Join(c[1:], " ")) {
				t.Errorf("reason %q, want %q", d.Reason, strings.Join(c[1:], " "))
			}
		}
	}
}
