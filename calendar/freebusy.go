package calendar

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// Busy is one busy period of a calendar: an occurrence that blocks time,
// or a FREEBUSY period of a stored VFREEBUSY, with its FBTYPE (RFC 5545
// §3.2.9: BUSY, BUSY-TENTATIVE, BUSY-UNAVAILABLE).
type Busy struct {
	Start, End time.Time
	Type       string
}

// OpaqueCalendars are the calendars of a principal whose time counts in
// free-busy: calendar collections (not the scheduling inbox or outbox)
// whose CALDAV:schedule-calendar-transp is opaque (RFC 6638 §9.1).
func (s *Service) OpaqueCalendars(ctx context.Context, principalID int64) ([]*backend.Calendar, error) {
	all, err := s.store.ListCalendars(ctx, principalID)
	if err != nil {
		return nil, err
	}
	var cals []*backend.Calendar
	for _, c := range all {
		if c.Kind == backend.CollectionCalendar && !c.Transparent {
			cals = append(cals, c)
		}
	}
	return cals, nil
}

// BusyTime returns the busy periods of calendars in [start, end), by
// calendar id, in one store call (Store.FreeBusy): VEVENT occurrences
// from the index, except cancelled and transparent ones (RFC 4791
// §7.10); stored VFREEBUSY objects by their FREEBUSY values; series the
// index holds short of end expanded on the fly.
func (s *Service) BusyTime(ctx context.Context, cals []*backend.Calendar, start, end time.Time) (map[int64][]Busy, error) {
	ids := make([]int64, len(cals))
	byID := make(map[int64]*backend.Calendar, len(cals))
	for i, c := range cals {
		ids[i], byID[c.ID] = c.ID, c
	}
	if end.IsZero() {
		end = backend.MaxTime
	}
	fb, err := s.store.FreeBusy(ctx, ids, start, end)
	if err != nil {
		return nil, err
	}
	out := map[int64][]Busy{}
	for _, p := range fb.Periods {
		out[p.CalendarID] = append(out[p.CalendarID], Busy{p.Start, p.End, p.BusyType})
	}
	for _, o := range fb.Objects {
		c := byID[o.CalendarID]
		cal, err := ical.Parse(o.Data)
		if err != nil || c == nil {
			continue // stored data was validated; a bad object blocks nothing
		}
		opts := s.ExpandOptions(c)
		if o.Component == "VFREEBUSY" {
			out[c.ID] = append(out[c.ID], storedFreeBusy(cal, opts.Floating)...)
			continue
		}
		ins, _ := ical.Expand(cal, start, end, opts)
		for _, in := range ins {
			if t := busyTypeOf(in.Transparent, in.Status, in.BusyType); t != "" {
				out[c.ID] = append(out[c.ID], Busy{in.Start, in.End, t})
			}
		}
	}
	return out, nil
}

// busyTypeOf is the FBTYPE an occurrence contributes, "" for none.
func busyTypeOf(transparent bool, status, busyType string) string {
	if transparent || status == "CANCELLED" || busyType == "FREE" || busyType == "" {
		return ""
	}
	return busyType
}

// storedFreeBusy reads the FREEBUSY periods of the VFREEBUSY components
// of cal (FBTYPE defaults to BUSY; FREE periods are left out).
func storedFreeBusy(cal *goical.Calendar, loc *time.Location) []Busy {
	var out []Busy
	for _, comp := range cal.Children {
		if comp.Name != "VFREEBUSY" {
			continue
		}
		for _, p := range comp.Props.Values("FREEBUSY") {
			t := strings.ToUpper(p.Params.Get("FBTYPE"))
			if t == "" {
				t = "BUSY"
			}
			if t == "FREE" {
				continue
			}
			for _, v := range strings.Split(p.Value, ",") {
				if s, e, ok := ical.ParsePeriodValue(v, loc); ok {
					out = append(out, Busy{s, e, t})
				}
			}
		}
	}
	return out
}

// FreeBusyText renders busy periods as one VCALENDAR/VFREEBUSY: periods
// clipped to [start, end), merged per FBTYPE, sorted, in UTC.
func FreeBusyText(busy []Busy, start, end, now time.Time) string {
	types, byType := BusyByType(busy, start, end)
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//CalDAV//EN\r\nBEGIN:VFREEBUSY\r\n")
	ical.FoldLine(&b, "DTSTAMP:"+ical.FormatUTC(now))
	ical.FoldLine(&b, "DTSTART:"+ical.FormatUTC(start))
	ical.FoldLine(&b, "DTEND:"+ical.FormatUTC(end))
	for _, t := range types {
		var vals []string
		for _, p := range MergeBusy(byType[t]) {
			vals = append(vals, ical.FormatUTC(p.Start)+"/"+ical.FormatUTC(p.End))
		}
		ical.FoldLine(&b, "FREEBUSY;FBTYPE="+t+":"+strings.Join(vals, ","))
	}
	b.WriteString("END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// BusyByType clips busy periods to [start, end), drops the empty ones and
// groups the rest by FBTYPE; types are returned sorted. The periods of a
// type are not merged yet (MergeBusy does it).
func BusyByType(busy []Busy, start, end time.Time) ([]string, map[string][]Busy) {
	byType := map[string][]Busy{}
	for _, p := range busy {
		p.Start, p.End = maxTime(p.Start, start), minTime(p.End, end)
		if p.End.After(p.Start) {
			byType[p.Type] = append(byType[p.Type], p)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	return types, byType
}

// MergeBusy sorts periods and joins overlapping or touching ones.
func MergeBusy(ps []Busy) []Busy {
	slices.SortFunc(ps, func(a, b Busy) int { return a.Start.Compare(b.Start) })
	var out []Busy
	for _, p := range ps {
		if n := len(out); n > 0 && !p.Start.After(out[n-1].End) {
			out[n-1].End = maxTime(out[n-1].End, p.End)
			continue
		}
		out = append(out, p)
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
