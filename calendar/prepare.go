package calendar

import (
	"bytes"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// Prepare validates a calendar object resource for calendar c (RFC 4791
// §4.1, §5.3.2.1) and builds the object to store at uri with its index
// and occurrences. The VTIMEZONEs of zones the object uses but leaves out
// are added to its text (RFC 7809 §3.1), and so are the repairs of
// ical.RepairText (a missing DTSTAMP, an escaped double quote); the rest
// of the client's bytes are kept. It returns the parsed object too.
func (s *Service) Prepare(c *backend.Calendar, uri string, data []byte) (*backend.Object, *goical.Calendar, error) {
	if c.Kind != backend.CollectionCalendar {
		return nil, nil, errorf(NotCalendar, "objects may only be stored in calendar collections: %s is not a calendar collection", c.URI)
	}
	if int64(len(data)) > s.opts.MaxResourceSize {
		return nil, nil, errorf(TooLarge, "calendar objects may be at most %d bytes", s.opts.MaxResourceSize)
	}
	cal, err := ical.Parse(data)
	if err != nil {
		return nil, nil, icalError(err)
	}
	if err := s.checkAttendees(cal); err != nil {
		return nil, nil, err
	}
	opts := s.ExpandOptions(c)
	now := s.opts.Now()
	info, idx, insts, err := backend.IndexObject(cal, now, opts)
	if err != nil {
		return nil, nil, icalError(err)
	}
	// The zones added are those the occurrences were just computed in;
	// the repairs of ical.RepairText are what every client can read.
	fixed := ical.AddMissingTimezones(data, cal, info.Timezones)
	if fixed = ical.RepairText(fixed, now); !bytes.Equal(fixed, data) {
		data = fixed
		if cal, err = ical.Parse(data); err != nil {
			return nil, nil, icalError(err)
		}
	}
	if !c.Accepts(info.Component) {
		return nil, nil, errorf(UnsupportedComponent, "this calendar does not accept %s components", info.Component)
	}
	o := &backend.Object{URI: uri, UID: info.UID, Component: info.Component, Data: data, Index: idx, Instances: insts}
	return o, cal, nil
}

// objectFor encodes cal (ical.EncodeText: the server changed it, RFC 4791
// §5.3.4) and builds the object to store at uri in c, with its index and
// occurrences, through the same checks as a client's PUT.
func (s *Service) objectFor(c *backend.Calendar, uri string, cal *goical.Calendar) (*backend.Object, error) {
	obj, _, err := s.Prepare(c, uri, ical.EncodeText(cal))
	return obj, err
}
