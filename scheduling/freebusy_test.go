package scheduling

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

func at(h, m int) time.Time { return time.Date(2024, 1, 8, h, m, 0, 0, time.UTC) }

func TestFreeBusy(t *testing.T) {
	ref := func(s, e time.Time, mod func(*backend.InstanceRef)) backend.InstanceRef {
		r := backend.InstanceRef{URI: "x.ics", Start: s, End: e, BusyType: "BUSY"}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	tests := []struct {
		name string
		in   []backend.InstanceRef
		want []Period
	}{
		{"overlapping and touching merge", []backend.InstanceRef{
			ref(at(10, 0), at(11, 0), nil), ref(at(9, 0), at(10, 0), nil), ref(at(10, 30), at(12, 0), nil)},
			[]Period{{at(9, 0), at(12, 0), FBBusy}}},
		{"transparent, cancelled and free excluded", []backend.InstanceRef{
			ref(at(9, 0), at(10, 0), func(r *backend.InstanceRef) { r.Transparent = true }),
			ref(at(11, 0), at(12, 0), func(r *backend.InstanceRef) { r.Status = "CANCELLED" }),
			ref(at(13, 0), at(14, 0), func(r *backend.InstanceRef) { r.BusyType = "FREE" })}, nil},
		{"types kept apart and sorted", []backend.InstanceRef{
			ref(at(14, 0), at(15, 0), func(r *backend.InstanceRef) { r.BusyType = ""; r.Status = "TENTATIVE" }),
			ref(at(9, 0), at(10, 0), func(r *backend.InstanceRef) { r.BusyType = "BUSY-UNAVAILABLE" }),
			ref(at(9, 30), at(10, 30), nil)},
			[]Period{{at(9, 0), at(10, 0), FBBusyUnavailable}, {at(9, 30), at(10, 30), FBBusy}, {at(14, 0), at(15, 0), FBBusyTentative}}},
		{"clipped to the range, UTC", []backend.InstanceRef{
			ref(at(6, 0).In(paris), at(9, 0).In(paris), nil), ref(at(17, 0), at(20, 0), nil)},
			[]Period{{at(8, 0), at(9, 0), FBBusy}, {at(17, 0), at(18, 0), FBBusy}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FreeBusy(tt.in, at(8, 0), at(18, 0))
			for _, p := range got {
				if p.Start.Location() != time.UTC {
					t.Errorf("period not in UTC: %v", p.Start)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestFreeBusyReply follows RFC 6638 §5 / RFC 5546 §3.3: parse the outbox
// POST, answer with a VFREEBUSY REPLY that decodes to the same periods.
func TestFreeBusyReply(t *testing.T) {
	req, err := ical.Parse([]byte(strings.ReplaceAll(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example Corp.//CalDAV Client//EN
METHOD:REQUEST
BEGIN:VFREEBUSY
UID:4FD3AD926350
DTSTAMP:20090602T190420Z
DTSTART:20240108T080000Z
DTEND:20240108T180000Z
ORGANIZER:mailto:cyrus@example.com
ATTENDEE:mailto:wilfredo@example.com
ATTENDEE:mailto:bernard@example.net
END:VFREEBUSY
END:VCALENDAR
`, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseFreeBusyRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	if q.Organizer != "mailto:cyrus@example.com" || len(q.Attendees) != 2 || !q.Start.Equal(at(8, 0)) {
		t.Fatalf("query %+v", q)
	}
	periods := []Period{{at(9, 0), at(10, 0), FBBusy}, {at(11, 0), at(12, 0), FBBusyTentative}}
	out := reparse(t, FreeBusyReply(q, q.Attendees[0], periods, testNow))
	if propValue(out.Component, "METHOD") != "REPLY" || len(out.Children) != 1 {
		t.Fatalf("reply:\n%s", ical.EncodeText(out))
	}
	fb := out.Children[0]
	var got []string
	for _, p := range fb.Props["FREEBUSY"] {
		got = append(got, p.Params.Get("FBTYPE")+" "+p.Value)
	}
	want := []string{"BUSY 20240108T090000Z/20240108T100000Z", "BUSY-TENTATIVE 20240108T110000Z/20240108T120000Z"}
	if !reflect.DeepEqual(got, want) || propValue(fb, "UID") != "4FD3AD926350" ||
		propValue(fb, "ATTENDEE") != "mailto:wilfredo@example.com" || fb.Props.Get("SUMMARY") != nil {
		t.Errorf("VFREEBUSY:\n%s", ical.EncodeText(out))
	}
	req.Props.Del("METHOD")
	if _, err := ParseFreeBusyRequest(req); err == nil {
		t.Error("request without METHOD accepted")
	}
}
