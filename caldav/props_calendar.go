package caldav

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// Limits advertised on calendar collections (RFC 4791 §5.2.6–5.2.8).
const (
	minDateTime = "19000101T000000Z"
	maxDateTime = "21001231T235959Z"
)

func registerCalendarProps() {
	text := func(name string, space string, get func(pc *propCtx) string) {
		n := dx.Name(space, name)
		register(n, &propDef{kinds: calendarOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
			return dx.TextProp(n, get(pc)), nil
		}})
	}
	register(dx.CalDAVName("calendar-description"), &propDef{kinds: calendarOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			if pc.res.cal.Description == "" {
				return nil, nil
			}
			return dx.TextProp(dx.CalDAVName("calendar-description"), pc.res.cal.Description), nil
		},
		set: func(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
			s := ""
			if !remove {
				s = v.TextContent()
			}
			u.Description = &s
			return nil
		}})
	register(dx.CalDAVName("calendar-timezone"), &propDef{kinds: calendarOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			if pc.res.cal.Timezone == "" {
				return nil, nil
			}
			return dx.TextProp(dx.CalDAVName("calendar-timezone"), pc.res.cal.Timezone), nil
		},
		set: setTimezone})
	register(dx.CalDAVName("calendar-timezone-id"), &propDef{kinds: calendarOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			id := ical.CalendarTimezoneID(pc.res.cal.Timezone)
			if id == "" {
				return nil, nil
			}
			return dx.TextProp(dx.CalDAVName("calendar-timezone-id"), id), nil
		},
		set: setTimezoneID})
	register(dx.CalDAVName("supported-calendar-component-set"), &propDef{kinds: calendarOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			if pc.res.cal.Kind != backend.CollectionCalendar {
				return nil, nil
			}
			return dx.SupportedCalendarComponentSet(pc.res.cal.Components...), nil
		},
		set: setComponents})
	register(dx.CalDAVName("supported-calendar-data"), &propDef{kinds: calendarOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.SupportedCalendarData(dx.MediaType{ContentType: "text/calendar", Version: "2.0"}), nil
	}})
	register(dx.CalDAVName("supported-collation-set"), &propDef{kinds: calendarOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.SupportedCollationSet("i;ascii-casemap", "i;octet", "i;unicode-casemap"), nil
	}})
	text("max-resource-size", dx.NSCalDAV, func(pc *propCtx) string { return strconv.FormatInt(pc.h.svc.MaxResourceSize(), 10) })
	text("max-instances", dx.NSCalDAV, func(pc *propCtx) string { return strconv.Itoa(pc.h.svc.MaxInstances()) })
	text("max-attendees-per-instance", dx.NSCalDAV, func(pc *propCtx) string { return strconv.Itoa(pc.h.svc.MaxAttendees()) })
	text("min-date-time", dx.NSCalDAV, func(pc *propCtx) string { return minDateTime })
	text("max-date-time", dx.NSCalDAV, func(pc *propCtx) string { return maxDateTime })
	register(dx.ICalName("calendar-color"), &propDef{kinds: calendarOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			if pc.res.cal.Color == "" {
				return nil, nil
			}
			return dx.TextProp(dx.ICalName("calendar-color"), pc.res.cal.Color), nil
		},
		set: func(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
			// Apple adds a symbolic-color attribute; one value is kept.
			s := ""
			if !remove {
				s = strings.TrimSpace(v.TextContent())
			}
			u.Color = &s
			return nil
		}})
	register(dx.ICalName("calendar-order"), &propDef{kinds: calendarOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			return dx.TextProp(dx.ICalName("calendar-order"), strconv.Itoa(pc.res.cal.Order)), nil
		},
		set: func(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
			n := 0
			if !remove {
				var err error
				if n, err = strconv.Atoi(strings.TrimSpace(v.TextContent())); err != nil {
					return fmt.Errorf("calendar-order must be an integer")
				}
			}
			u.Order = &n
			return nil
		}})
	// RFC 6638 §9.2 defines schedule-default-calendar-URL on the
	// scheduling inbox; it is answered on principals too, where clients
	// that start from the principal look for it. It is protected: the
	// default calendar is the one named "calendar" that every home gets
	// (calendar.Service.EnsureHome), or the first event calendar if that one was deleted.
	register(dx.CalDAVName("schedule-default-calendar-URL"), &propDef{kinds: calendarOnly | principalOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			if pc.res.kind == resCollection && pc.res.cal.Kind != backend.CollectionInbox {
				return nil, nil
			}
			c, err := pc.h.scheduleDefaultCalendar(pc.ctx, pc.res.principal)
			if err != nil || c == nil {
				return nil, err
			}
			return dx.HrefProp(dx.CalDAVName("schedule-default-calendar-URL"), pc.h.href(collectionPath(pc.res.principal, c))), nil
		}})
	// calendar-free-busy-set is the inbox property of the scheduling drafts
	// (draft-desruisseaux-caldav-sched) that RFC 6638 replaced
	// with schedule-calendar-transp on each calendar (§9.1). Older Apple
	// clients still ask for it on the inbox, so it is answered there,
	// read-only, with the calendars that count for free-busy (the opaque
	// ones); on other collections it is 404.
	register(dx.CalDAVName("calendar-free-busy-set"), &propDef{kinds: calendarOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			if pc.res.cal.Kind != backend.CollectionInbox {
				return nil, nil
			}
			cals, err := pc.h.svc.OpaqueCalendars(pc.ctx, pc.res.principal.ID)
			if err != nil {
				return nil, err
			}
			hrefs := make([]string, 0, len(cals))
			for _, c := range cals {
				hrefs = append(hrefs, pc.h.href(collectionPath(pc.res.principal, c)))
			}
			return dx.HrefProp(dx.CalDAVName("calendar-free-busy-set"), hrefs...), nil
		}})
	register(dx.CalDAVName("schedule-calendar-transp"), &propDef{kinds: calendarOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			if pc.res.cal.Kind != backend.CollectionCalendar {
				return nil, nil
			}
			v := "opaque"
			if pc.res.cal.Transparent {
				v = "transparent"
			}
			return dx.NewElement(dx.CalDAVName("schedule-calendar-transp"), dx.NewElement(dx.CalDAVName(v))), nil
		},
		set: func(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
			t := false
			if !remove {
				switch {
				case v.Child(dx.CalDAVName("transparent")) != nil:
					t = true
				case v.Child(dx.CalDAVName("opaque")) != nil:
				default:
					return fmt.Errorf("schedule-calendar-transp must hold opaque or transparent")
				}
			}
			u.Transparent = &t
			return nil
		}})
}

// setComponents sets the component set; only MKCALENDAR may (RFC 4791
// §5.2.3: the property is protected afterwards), which the PROPPATCH
// handler enforces.
func setComponents(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
	if remove {
		return fmt.Errorf("supported-calendar-component-set cannot be removed")
	}
	var comps []string
	for _, c := range v.Elements() {
		if c.Name != dx.CalDAVName("comp") {
			continue
		}
		name, _ := c.AttrValue(dx.Name("", "name"))
		name = strings.ToUpper(name)
		switch name {
		case "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY":
		default:
			return fmt.Errorf("component %q is not supported", name)
		}
		comps = append(comps, name)
	}
	if len(comps) == 0 {
		return fmt.Errorf("supported-calendar-component-set names no component")
	}
	u.Components = comps
	return nil
}
