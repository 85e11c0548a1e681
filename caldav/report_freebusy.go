package caldav

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

func init() {
	reports[dx.ReportFreeBusyQuery] = (*Handler).reportFreeBusy
}

// fbPeriod is one busy interval of a free-busy answer.
type fbPeriod struct {
	start, end time.Time
	typ        string // FBTYPE
}

// reportFreeBusy implements CALDAV:free-busy-query (RFC 4791 §7.10) on a
// calendar collection, or on a calendar home where it covers every
// calendar whose schedule-calendar-transp is opaque. The answer is one
// VFREEBUSY read from the instance index.
func (h *Handler) reportFreeBusy(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	q, err := dx.DecodeFreeBusyQuery(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	tr := q.TimeRange
	if tr.Start.IsZero() || tr.End.IsZero() {
		return errorf(http.StatusBadRequest, "free-busy-query needs a time-range with start and end")
	}
	var cals []*backend.Calendar
	switch res.kind {
	case resCollection:
		if res.cal.Kind == backend.CollectionCalendar {
			cals = append(cals, res.cal)
		}
	case resHome:
		if cals, err = h.opaqueCalendars(r.Context(), res.principal.ID); err != nil {
			return err
		}
	}
	byCal, err := h.busyTime(r.Context(), cals, tr.Start, tr.End)
	if err != nil {
		return err
	}
	var busy []fbPeriod
	for _, c := range cals {
		busy = append(busy, byCal[c.ID]...)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(freeBusyText(busy, tr.Start, tr.End, time.Now())))
	return nil
}

// opaqueCalendars are the calendars of a principal whose time counts in
// free-busy: calendar collections (not the scheduling inbox or outbox)
// whose CALDAV:schedule-calendar-transp is opaque (RFC 6638 §9.1).
func (h *Handler) opaqueCalendars(ctx context.Context, principalID int64) ([]*backend.Calendar, error) {
	all, err := h.store.ListCalendars(ctx, principalID)
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

// busyTime returns the busy periods of calendars in [start, end), by
// calendar id, in one store call (Store.FreeBusy): VEVENT occurrences
// from the index, except cancelled and transparent ones (RFC 4791
// §7.10); stored VFREEBUSY objects by their FREEBUSY values; series the
// index holds short of end expanded on the fly.
func (h *Handler) busyTime(ctx context.Context, cals []*backend.Calendar, start, end time.Time) (map[int64][]fbPeriod, error) {
	ids := make([]int64, len(cals))
	byID := make(map[int64]*backend.Calendar, len(cals))
	for i, c := range cals {
		ids[i], byID[c.ID] = c.ID, c
	}
	if end.IsZero() {
		end = backend.MaxTime
	}
	fb, err := h.store.FreeBusy(ctx, ids, start, end)
	if err != nil {
		return nil, err
	}
	out := map[int64][]fbPeriod{}
	for _, p := range fb.Periods {
		out[p.CalendarID] = append(out[p.CalendarID], fbPeriod{p.Start, p.End, p.BusyType})
	}
	for _, o := range fb.Objects {
		c := byID[o.CalendarID]
		cal, err := ical.Parse(o.Data)
		if err != nil || c == nil {
			continue // stored data was validated; a bad object blocks nothing
		}
		opts := h.svc.ExpandOptions(c)
		if o.Component == "VFREEBUSY" {
			out[c.ID] = append(out[c.ID], storedFreeBusy(cal, opts.Floating)...)
			continue
		}
		ins, _ := ical.Expand(cal, start, end, opts)
		for _, in := range ins {
			if t := busyTypeOf(in.Transparent, in.Status, in.BusyType); t != "" {
				out[c.ID] = append(out[c.ID], fbPeriod{in.Start, in.End, t})
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
func storedFreeBusy(cal *goical.Calendar, loc *time.Location) []fbPeriod {
	var out []fbPeriod
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
				if s, e, ok := parsePeriod(v, loc); ok {
					out = append(out, fbPeriod{s, e, t})
				}
			}
		}
	}
	return out
}

// freeBusyText renders busy periods as one VCALENDAR/VFREEBUSY: periods
// clipped to [start, end), merged per FBTYPE, sorted, in UTC.
func freeBusyText(busy []fbPeriod, start, end, now time.Time) string {
	types, byType := busyByType(busy, start, end)
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//CalDAV//EN\r\nBEGIN:VFREEBUSY\r\n")
	ical.FoldLine(&b, "DTSTAMP:"+dx.FormatUTCDateTime(now))
	ical.FoldLine(&b, "DTSTART:"+dx.FormatUTCDateTime(start))
	ical.FoldLine(&b, "DTEND:"+dx.FormatUTCDateTime(end))
	for _, t := range types {
		var vals []string
		for _, p := range mergePeriods(byType[t]) {
			vals = append(vals, dx.FormatUTCDateTime(p.start)+"/"+dx.FormatUTCDateTime(p.end))
		}
		ical.FoldLine(&b, "FREEBUSY;FBTYPE="+t+":"+strings.Join(vals, ","))
	}
	b.WriteString("END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// busyByType clips busy periods to [start, end), drops the empty ones and
// groups the rest by FBTYPE; types are returned sorted. The periods of a
// type are not merged yet (mergePeriods does it).
func busyByType(busy []fbPeriod, start, end time.Time) ([]string, map[string][]fbPeriod) {
	byType := map[string][]fbPeriod{}
	for _, p := range busy {
		p.start, p.end = maxTime(p.start, start), minTime(p.end, end)
		if p.end.After(p.start) {
			byType[p.typ] = append(byType[p.typ], p)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	return types, byType
}

// mergePeriods sorts periods and joins overlapping or touching ones.
func mergePeriods(ps []fbPeriod) []fbPeriod {
	slices.SortFunc(ps, func(a, b fbPeriod) int { return a.start.Compare(b.start) })
	var out []fbPeriod
	for _, p := range ps {
		if n := len(out); n > 0 && !p.start.After(out[n-1].end) {
			out[n-1].end = maxTime(out[n-1].end, p.end)
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

// parsePeriod reads a PERIOD value, start/end or start/duration.
func parsePeriod(v string, loc *time.Location) (time.Time, time.Time, bool) {
	a, z, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	s, _, ok := parseICalTime(a, loc)
	if !ok {
		return s, s, false
	}
	if d, ok := parseDuration(z); ok {
		return s, s.Add(d), true
	}
	e, _, ok := parseICalTime(z, loc)
	return s, e, ok && !e.Before(s)
}

// parseICalTime parses a DATE ("20060102"), UTC DATE-TIME or local
// DATE-TIME (read in loc) and reports whether it was a DATE.
func parseICalTime(v string, loc *time.Location) (time.Time, bool, bool) {
	switch {
	case len(v) == 8:
		t, err := time.ParseInLocation("20060102", v, loc)
		return t.UTC(), true, err == nil
	case len(v) == 16 && v[15] == 'Z':
		t, err := time.Parse("20060102T150405Z", v)
		return t.UTC(), false, err == nil
	case len(v) == 15:
		t, err := time.ParseInLocation("20060102T150405", v, loc)
		return t.UTC(), false, err == nil
	}
	return time.Time{}, false, false
}

// parseDuration reads an RFC 5545 DURATION value; days count as 24 hours,
// which is what trigger and period arithmetic in UTC needs.
func parseDuration(v string) (time.Duration, bool) {
	p := goical.Prop{Name: "DURATION", Value: strings.TrimSpace(v), Params: goical.Params{}}
	d, err := p.Duration()
	return d, err == nil
}

// atoiOr parses a decimal integer, def when it is not one.
func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}
