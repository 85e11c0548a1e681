package calendar

import (
	"bufio"
	"context"
	"io"
	"sort"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// ExportOptions choose what Export writes.
type ExportOptions struct {
	// From and To keep the objects having an occurrence in [From, To)
	// (RFC 4791 §9.9 overlap rules); a zero bound is open.
	From, To time.Time
	// Component, when set, transforms or drops (nil) each top-level
	// component other than VTIMEZONE before it is written.
	Component func(b Component) *Component
	// Object, when set, transforms or drops the top-level components of
	// one object (all but its VTIMEZONEs, after Component) together, so
	// that a series and its overridden occurrences are decided as one.
	Object func(comps []Component) []Component
	// Properties are extra VCALENDAR content lines (without CRLF; folded
	// by Export) written after X-WR-CALNAME.
	Properties []string
}

// Component is one top-level component of a stored calendar object, as
// text: its lines CRLF-terminated, folding kept.
type Component struct {
	Name string // VEVENT, VTODO, VJOURNAL, VTIMEZONE, …
	Text string
}

// exportBatch is how many objects are read at once, so that an export's
// memory does not grow with the calendar.
const exportBatch = 200

// Export writes calendar c as one VCALENDAR (RFC 5545 §3.4): every
// selected object's components, each VTIMEZONE once and before the
// components that use it, and X-WR-CALNAME. Objects are merged as text so
// that what clients wrote is kept byte for byte. The VTIMEZONEs of an
// object whose components were all dropped are left out too. It returns
// the latest modification time of the calendar and of the objects written.
func (s *Service) Export(ctx context.Context, w io.Writer, c *backend.Calendar, opts ExportOptions) (time.Time, error) {
	uris, err := s.exportURIs(ctx, c, opts)
	if err != nil {
		return time.Time{}, err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//Kalends//EN\r\n")
	if c.DisplayName != "" {
		bw.WriteString("X-WR-CALNAME:" + ical.EscapeText(c.DisplayName) + "\r\n")
	}
	for _, p := range opts.Properties {
		ical.FoldLine(bw, p)
	}
	// Two passes over the objects, in batches: the time zones first, then
	// the other components, so memory holds one batch at a time.
	seenTZ := map[string]bool{}
	err = s.eachObject(ctx, c.ID, uris, func(o *backend.Object) {
		tzs, comps := exportComponents(o, &opts)
		if len(comps) == 0 {
			return
		}
		for _, b := range tzs {
			if !seenTZ[b.tzid] {
				seenTZ[b.tzid] = true
				bw.WriteString(b.text)
			}
		}
	})
	if err != nil {
		return time.Time{}, err
	}
	last := c.ModifiedAt
	err = s.eachObject(ctx, c.ID, uris, func(o *backend.Object) {
		_, comps := exportComponents(o, &opts)
		if len(comps) == 0 {
			return
		}
		if o.ModifiedAt.After(last) {
			last = o.ModifiedAt
		}
		for _, comp := range comps {
			bw.WriteString(comp.Text)
		}
	})
	if err != nil {
		return time.Time{}, err
	}
	bw.WriteString("END:VCALENDAR\r\n")
	return last, bw.Flush()
}

// exportComponents splits an object into its VTIMEZONEs and its other
// components as opts transform them.
func exportComponents(o *backend.Object, opts *ExportOptions) (tzs []block, comps []Component) {
	for _, b := range splitComponents(o.Data) {
		if b.name == "VTIMEZONE" {
			tzs = append(tzs, b)
			continue
		}
		comp := &Component{Name: b.name, Text: b.text}
		if opts.Component != nil {
			comp = opts.Component(*comp)
		}
		if comp != nil {
			comps = append(comps, *comp)
		}
	}
	if opts.Object != nil && len(comps) > 0 {
		comps = opts.Object(comps)
	}
	return tzs, comps
}

// exportURIs lists the objects an export writes, ordered by UID (then
// URI): an export depends on the calendar's data, not on the names clients
// gave its resources, so a calendar exported, imported elsewhere and
// exported again gives the same text.
func (s *Service) exportURIs(ctx context.Context, c *backend.Calendar, opts ExportOptions) ([]string, error) {
	all, err := s.store.ListObjects(ctx, c.ID, nil)
	if err != nil {
		return nil, err
	}
	if !opts.From.IsZero() || !opts.To.IsZero() {
		// One selection per component type: an object holds one type.
		keep := map[string]bool{}
		for _, comp := range []string{"VEVENT", "VTODO", "VJOURNAL"} {
			uris, err := s.ObjectsInRange(ctx, c, comp, opts.From, opts.To)
			if err != nil {
				return nil, err
			}
			for _, uri := range uris {
				keep[uri] = true
			}
		}
		kept := all[:0]
		for _, o := range all {
			if keep[o.URI] {
				kept = append(kept, o)
			}
		}
		all = kept
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].UID != all[j].UID {
			return all[i].UID < all[j].UID
		}
		return all[i].URI < all[j].URI
	})
	uris := make([]string, len(all))
	for i, o := range all {
		uris[i] = o.URI
	}
	return uris, nil
}

// eachObject calls fn for each named object with its data, in the order
// of uris, reading them in batches.
func (s *Service) eachObject(ctx context.Context, calID int64, uris []string, fn func(*backend.Object)) error {
	for len(uris) > 0 {
		n := min(len(uris), exportBatch)
		objs, err := s.store.ListObjects(ctx, calID, &backend.ListOptions{URIs: uris[:n], WithData: true})
		if err != nil {
			return err
		}
		byURI := make(map[string]*backend.Object, len(objs))
		for _, o := range objs {
			byURI[o.URI] = o
		}
		for _, uri := range uris[:n] {
			if o := byURI[uri]; o != nil { // deleted since it was listed
				fn(o)
			}
		}
		uris = uris[n:]
	}
	return nil
}
