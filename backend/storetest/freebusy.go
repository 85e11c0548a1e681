package storetest

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// testFreeBusy: FreeBusy reads the busy time of several calendars from the
// index, clipped to the range, leaving out what does not block time
// (transparent, cancelled, FREE, not a VEVENT) and handing back, with data,
// the objects the index cannot answer for (VFREEBUSY, series indexed short
// of the range's end); CalendarsOf lists several principals' collections.
func testFreeBusy(t *testing.T, s backend.Store) {
	p, q := mustUser(t, s, "una"), mustUser(t, s, "vic")
	a, b, c := mustCalendar(t, s, p, "a"), mustCalendar(t, s, q, "b"), mustCalendar(t, s, q, "c")
	start, end := t0, t0.Add(24*time.Hour)
	at := func(uri string, from, to time.Time, edit func(o *backend.Object)) *backend.Object {
		o := event(uri, "uid-"+uri, uri, from)
		o.Instances[0].End, o.Index.End, o.Index.LastEnd = to, to, to
		if edit != nil {
			edit(o)
		}
		return o
	}
	put(t, s, a.ID, at("busy.ics", start.Add(10*time.Hour), start.Add(11*time.Hour), nil))
	put(t, s, a.ID, at("clip.ics", start.Add(-time.Hour), start.Add(time.Hour), nil))
	put(t, s, a.ID, at("long.ics", start.Add(-72*time.Hour), start.Add(2*time.Hour), func(o *backend.Object) {
		o.Instances[0].BusyType = "BUSY-UNAVAILABLE"
	}))
	put(t, s, a.ID, at("end.ics", end.Add(-time.Hour), end.Add(time.Hour), nil))
	put(t, s, a.ID, at("transp.ics", start.Add(time.Hour), start.Add(2*time.Hour), func(o *backend.Object) { o.Instances[0].Transparent = true }))
	put(t, s, a.ID, at("cancelled.ics", start.Add(time.Hour), start.Add(2*time.Hour), func(o *backend.Object) { o.Instances[0].Status = "CANCELLED" }))
	put(t, s, a.ID, at("free.ics", start.Add(time.Hour), start.Add(2*time.Hour), func(o *backend.Object) { o.Instances[0].BusyType = "FREE" }))
	put(t, s, a.ID, at("outside.ics", end, end.Add(time.Hour), nil))
	put(t, s, a.ID, at("task.ics", start.Add(time.Hour), start.Add(2*time.Hour), func(o *backend.Object) { o.Component = "VTODO" }))
	put(t, s, a.ID, at("series.ics", start.Add(3*time.Hour), start.Add(4*time.Hour), func(o *backend.Object) {
		o.Index.IndexedUntil, o.Index.LastEnd = start.Add(5*time.Hour), end.Add(30*24*time.Hour)
	}))
	put(t, s, a.ID, at("fb.ics", start, start, func(o *backend.Object) { o.Component, o.Instances = "VFREEBUSY", nil }))
	put(t, s, b.ID, at("b.ics", start.Add(5*time.Hour), start.Add(6*time.Hour), func(o *backend.Object) {
		o.Instances[0].BusyType = "BUSY-TENTATIVE"
	}))
	put(t, s, c.ID, at("c.ics", start.Add(5*time.Hour), start.Add(6*time.Hour), nil))

	fb, err := s.FreeBusy(ctx(t), []int64{a.ID, b.ID}, start, end)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range fb.Periods {
		got = append(got, fmt.Sprintf("%d %s %s-%s", p.CalendarID, p.BusyType, p.Start.Format("02T15"), p.End.Format("02T15")))
	}
	sort.Strings(got)
	h := func(d time.Duration) string { return start.Add(d).Format("02T15") }
	want := []string{
		fmt.Sprintf("%d BUSY %s-%s", a.ID, h(0), h(time.Hour)),
		fmt.Sprintf("%d BUSY %s-%s", a.ID, h(10*time.Hour), h(11*time.Hour)),
		fmt.Sprintf("%d BUSY %s-%s", a.ID, h(23*time.Hour), h(24*time.Hour)),
		fmt.Sprintf("%d BUSY-UNAVAILABLE %s-%s", a.ID, h(0), h(2*time.Hour)),
		fmt.Sprintf("%d BUSY-TENTATIVE %s-%s", b.ID, h(5*time.Hour), h(6*time.Hour)),
	}
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("periods\n got %v\nwant %v", got, want)
	}
	var objs []string
	for _, o := range fb.Objects {
		if len(o.Data) == 0 || o.CalendarID != a.ID {
			t.Errorf("object %s: calendar %d, %d bytes of data", o.URI, o.CalendarID, len(o.Data))
		}
		objs = append(objs, o.URI)
	}
	sort.Strings(objs)
	if fmt.Sprint(objs) != "[fb.ics series.ics]" {
		t.Errorf("objects to read %v, want fb.ics and series.ics", objs)
	}
	if fb, err := s.FreeBusy(ctx(t), nil, start, end); err != nil || len(fb.Periods)+len(fb.Objects) != 0 {
		t.Errorf("FreeBusy of no calendar = %+v, %v", fb, err)
	}

	cals, err := s.CalendarsOf(ctx(t), []int64{q.ID, p.ID, -1})
	if err != nil || len(cals) != 3 {
		t.Fatalf("CalendarsOf = %+v, %v", cals, err)
	}
	first := p.ID
	if q.ID < p.ID {
		first = q.ID
	}
	if cals[0].PrincipalID != first || (first == q.ID && (cals[0].URI != "b" || cals[1].URI != "c")) {
		t.Errorf("CalendarsOf order: %s/%d %s/%d %s/%d", cals[0].URI, cals[0].PrincipalID, cals[1].URI, cals[1].PrincipalID,
			cals[2].URI, cals[2].PrincipalID)
	}
}
