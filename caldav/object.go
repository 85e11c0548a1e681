package caldav

import (
	"errors"
	"net/http"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// indexHorizon is how far ahead occurrences are written to the instance
// index; queries beyond it expand open-ended series on the fly.
const indexHorizon = 5 * 365 * 24 * time.Hour

// floatingZone is the zone floating times of a calendar are evaluated in:
// its calendar-timezone (RFC 4791 §9.9), else UTC.
func floatingZone(c *backend.Calendar) *time.Location {
	if c == nil {
		return time.UTC
	}
	return ical.CalendarTimezoneLocation(c.Timezone)
}

// expandOptions are the recurrence bounds of a calendar.
func (h *Handler) expandOptions(c *backend.Calendar) ical.Options {
	return ical.Options{MaxInstances: h.opts.MaxInstances, Floating: floatingZone(c)}
}

// prepareObject validates a calendar object resource for calendar c
// (RFC 4791 §4.1, §5.3.2.1) and builds the object to store with its index
// and occurrences.
func (h *Handler) prepareObject(c *backend.Calendar, uri string, data []byte) (*backend.Object, *goical.Calendar, error) {
	cal, err := ical.Parse(data)
	if err != nil {
		return nil, nil, icalError(err)
	}
	opts := h.expandOptions(c)
	// One more than the limit tells "too many" from "exactly the limit".
	opts.MaxInstances++
	horizon := time.Now().Add(indexHorizon).UTC().Truncate(time.Second)
	info, insts, err := ical.InspectExpand(cal, horizon, opts)
	if err != nil {
		return nil, nil, icalError(err)
	}
	// The zones added are those the occurrences were just computed in.
	if fixed := addMissingTimezones(data, cal, info.Timezones); len(fixed) != len(data) {
		data = fixed
		if cal, err = ical.Parse(data); err != nil {
			return nil, nil, icalError(err)
		}
	}
	if !c.Accepts(info.Component) {
		return nil, nil, conditionf(http.StatusForbidden, condSupportedComponent,
			"this calendar does not accept %s components", info.Component)
	}
	if len(insts) > h.opts.MaxInstances {
		return nil, nil, conditionf(http.StatusForbidden, condMaxInstances,
			"the recurrence generates more than %d instances", h.opts.MaxInstances)
	}
	o := &backend.Object{
		URI: uri, UID: info.UID, Component: info.Component, Data: data,
		Index: backend.ObjectIndex{
			Start: info.Start, End: info.End, FirstStart: info.FirstStart, LastEnd: info.LastEnd, AllDay: info.AllDay,
			Organizer: backend.NormalizeEmail(info.Organizer), Sequence: info.Sequence, IndexedUntil: minTime(info.LastEnd, horizon),
			Transparent: info.Transparent, Status: info.Status,
		},
	}
	o.Instances = backend.InstancesOf(insts)
	return o, cal, nil
}

// icalError maps an ical validation error to its CalDAV precondition.
func icalError(err error) error {
	var ie *ical.Error
	if !errors.As(err, &ie) {
		return err
	}
	cond := condValidCalendarData
	switch ie.Condition {
	case ical.CondValidObject:
		cond = condValidCalendarObject
	case ical.CondMaxInstances:
		cond = condMaxInstances
	}
	detail := ie.Reason
	if ie.Line > 0 {
		detail = "line " + itoa(ie.Line) + ": " + detail
	}
	return &Error{Status: http.StatusForbidden, Condition: cond, Detail: detail}
}
