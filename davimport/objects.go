package davimport

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

// importResource stores one source resource through calendar.Service.Import: as
// it is when it holds one UID (the usual case, kept byte for byte), split
// with ical.SplitByUID when it holds several (RFC 4791 §4.1 wants one UID
// per resource; Radicale, for one, does not insist). A part Kalends
// refuses is reported with the reason; the resource is then retried on
// the next run only if the source changes it.
func (r *run) importResource(ctx context.Context, f *fetched) error {
	old := r.st.get(f.Href)
	e := &stateObject{Href: f.Href, ETag: f.ETag}
	if f.Err != "" {
		// No ETag kept: the next run reads it again.
		e.Rejected = f.Err
		r.reject(e, old)
		return nil
	}
	var reasons []string
	for _, part := range splitResource(f.Data) {
		res, err := r.im.svc.Import(ctx, r.cal, part)
		var ce *calendar.Error
		if errors.As(err, &ce) && ce.Code == calendar.UnsupportedComponent {
			if comp := componentType(part); comp != "" && !r.cal.Accepts(comp) && storable[comp] {
				if err := r.widen(ctx, comp); err != nil {
					return err
				}
				res, err = r.im.svc.Import(ctx, r.cal, part)
				ce = nil
				errors.As(err, &ce)
			}
		}
		if ce != nil {
			reasons = append(reasons, importReason(ce))
			continue
		}
		if err != nil {
			return err
		}
		switch res.Outcome {
		case calendar.ImportCreated:
			r.rep.Created++
		case calendar.ImportUpdated:
			r.rep.Updated++
		default:
			r.rep.Unchanged++
		}
		e.Targets = append(e.Targets, stateTarget{URI: res.URI, ETag: res.ETag})
	}
	if len(reasons) > 0 {
		e.Rejected = strings.Join(reasons, "; ")
		r.reject(e, old)
		return nil
	}
	// Objects made from an earlier version of the resource whose UID is
	// gone from it are deleted like a deleted resource.
	if old != nil {
		for _, t := range old.Targets {
			if !hasTarget(e.Targets, t.URI) {
				if err := r.deleteTarget(ctx, f.Href, t); err != nil {
					return err
				}
			}
		}
	}
	r.st.put(e)
	return nil
}

// reject records a refused resource, keeping the objects an earlier
// version of it became (they stay in Kalends as they were).
func (r *run) reject(e, old *stateObject) {
	if old != nil {
		for _, t := range old.Targets {
			if !hasTarget(e.Targets, t.URI) {
				e.Targets = append(e.Targets, t)
			}
		}
	}
	r.rep.Rejected = append(r.rep.Rejected, Item{Href: e.Href, Reason: e.Rejected})
	r.st.put(e)
}

// storable are the component types a Kalends calendar may hold.
var storable = map[string]bool{"VEVENT": true, "VTODO": true, "VJOURNAL": true, "VFREEBUSY": true, "VAVAILABILITY": true}

// widen adds comp to the target calendar's component set. A source
// calendar may hold components its supported-calendar-component-set does
// not name (Radicale stores a VFREEBUSY in a calendar that announces
// events, tasks and journals): the copy takes what the source holds.
func (r *run) widen(ctx context.Context, comp string) error {
	comps := append(append([]string(nil), r.cal.Components...), comp)
	c, err := r.im.svc.UpdateCalendar(ctx, r.cal, &backend.CalendarUpdate{Components: comps})
	if err != nil {
		return err
	}
	r.cal = c
	r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf("the source holds %s objects its component set does not announce: the calendar now accepts them", comp))
	return nil
}

// componentType returns the type of the first component of a resource
// other than VTIMEZONE, "" if it cannot be parsed.
func componentType(data []byte) string {
	cal, err := ical.Parse(data)
	if err != nil {
		return ""
	}
	for _, c := range cal.Children {
		if c.Name != "VTIMEZONE" {
			return c.Name
		}
	}
	return ""
}

// splitResource returns the parts of a resource to import: itself when it
// holds at most one UID or cannot be parsed (Import then says why), else
// one VCALENDAR per UID.
func splitResource(data []byte) [][]byte {
	cal, err := ical.Parse(data)
	if err != nil {
		return [][]byte{data}
	}
	parts, err := ical.SplitByUID(cal)
	if err != nil || len(parts) < 2 {
		return [][]byte{data}
	}
	out := make([][]byte, len(parts))
	for i, p := range parts {
		out[i] = ical.EncodeText(p)
	}
	return out
}

// importReason is the reason of a refusal: the precondition it stands for,
// when there is one, and the detail.
func importReason(e *calendar.Error) string {
	if e.Code == calendar.NotCalendar {
		return e.Error()
	}
	return e.Code.String() + ": " + e.Error()
}

func hasTarget(ts []stateTarget, uri string) bool {
	for _, t := range ts {
		if t.URI == uri {
			return true
		}
	}
	return false
}
