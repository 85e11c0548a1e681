package calendar

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"sort"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// CSVOptions choose what ExportCSV writes.
type CSVOptions struct {
	// From and To bound the occurrences written: those overlapping
	// [From, To) by the RFC 4791 §9.9 rules. Both are required.
	From, To time.Time
	// Location is the zone of the times written; nil means the calendar's
	// zone (its calendar-timezone, else UTC).
	Location *time.Location
}

// CSVHeader is the first row ExportCSV writes.
var CSVHeader = []string{"start", "end", "title", "location", "organizer", "attendees", "status"}

// ExportCSV writes the occurrences of calendar c in a window as CSV
// (RFC 4180), one row per occurrence, for spreadsheets: recurring
// objects are expanded with their overrides and EXDATEs applied (RFC 5545
// §3.8.5). Times are RFC 3339 in opts.Location; all-day occurrences are
// dates, their end exclusive as DTEND is. Rows are sorted by start, so
// they are held in memory until written: the window bounds them.
// Attendees are separated by "; ". Free-busy and availability components
// have no occurrences a person would list and are left out.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, c *backend.Calendar, opts CSVOptions) error {
	if opts.From.IsZero() || opts.To.IsZero() || !opts.From.Before(opts.To) {
		return errors.New("calendar: a CSV export needs a window: From before To")
	}
	uris, err := s.exportURIs(ctx, c, ExportOptions{From: opts.From, To: opts.To})
	if err != nil {
		return err
	}
	xopts := s.ExpandOptions(c)
	loc := opts.Location
	if loc == nil {
		loc = xopts.Floating
	}
	var rows []csvRow
	var bad error
	err = s.eachObject(ctx, c.ID, uris, func(o *backend.Object) {
		cal, err := ical.Parse(o.Data)
		if err != nil {
			s.logger.WarnContext(ctx, "stored object does not parse", "uri", o.URI, "error", err)
			return
		}
		ins, err := ical.Expand(cal, opts.From, opts.To, xopts)
		if err != nil && bad == nil {
			bad = err
		}
		for _, in := range ins {
			if in.Component.Name == "VFREEBUSY" || in.Component.Name == "VAVAILABILITY" {
				continue
			}
			rows = append(rows, occurrenceRow(in, loc, xopts.Floating))
		}
	})
	if err != nil {
		return err
	}
	if bad != nil {
		return bad
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if !rows[i].at.Equal(rows[j].at) {
			return rows[i].at.Before(rows[j].at)
		}
		return rows[i].cols[2] < rows[j].cols[2]
	})
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader)
	for _, r := range rows {
		cw.Write(r.cols)
	}
	cw.Flush()
	return cw.Error()
}

// csvRow is one occurrence, with its start for sorting.
type csvRow struct {
	at   time.Time
	cols []string
}

// occurrenceRow renders one occurrence. All-day values were evaluated in
// floating, so their dates are read there.
func occurrenceRow(in ical.Instance, loc, floating *time.Location) csvRow {
	when := func(t time.Time) string {
		if in.AllDay {
			return t.In(floating).Format(time.DateOnly)
		}
		return t.In(loc).Format(time.RFC3339)
	}
	comp := in.Component
	text := func(name string) string {
		if p := comp.Props.Get(name); p != nil {
			return ical.UnescapeText(p.Value)
		}
		return ""
	}
	var attendees []string
	for _, p := range comp.Props.Values("ATTENDEE") {
		attendees = append(attendees, calendarUser(p))
	}
	organizer := ""
	if p := comp.Props.Get("ORGANIZER"); p != nil {
		organizer = calendarUser(*p)
	}
	status := in.Status
	if status == "" {
		status = strings.ToUpper(text("STATUS"))
	}
	return csvRow{at: in.Start, cols: []string{
		when(in.Start), when(in.End), text("SUMMARY"), text("LOCATION"), organizer, strings.Join(attendees, "; "), status,
	}}
}

// calendarUser renders an ORGANIZER or ATTENDEE as "Name <address>", or
// the address alone when it has no CN or its CN is the address.
func calendarUser(p goical.Prop) string {
	addr := p.Value
	if len(addr) >= 7 && strings.EqualFold(addr[:7], "mailto:") {
		addr = addr[7:]
	}
	if cn := strings.Trim(p.Params.Get("CN"), `"`); cn != "" && !strings.EqualFold(cn, addr) {
		return cn + " <" + addr + ">"
	}
	return addr
}
