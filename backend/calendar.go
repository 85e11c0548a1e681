package backend

import (
	"encoding/xml"
	"time"
)

// CollectionKind distinguishes the collections of a calendar home.
type CollectionKind string

// The kinds of collection in a calendar home.
const (
	CollectionCalendar CollectionKind = "calendar" // RFC 4791 calendar collection
	CollectionInbox    CollectionKind = "inbox"    // RFC 6638 scheduling inbox
	CollectionOutbox   CollectionKind = "outbox"   // RFC 6638 scheduling outbox
)

// Calendar is a collection in a principal's calendar home.
type Calendar struct {
	ID          int64
	PrincipalID int64
	URI         string // last path segment, unique within the home
	Kind        CollectionKind
	DisplayName string
	Description string
	Color       string // Apple's calendar-color, e.g. "#FF2968FF"
	Order       int    // Apple's calendar-order
	Timezone    string // CALDAV:calendar-timezone: a VCALENDAR holding one VTIMEZONE, or ""
	// Components are the component types the collection accepts
	// (CALDAV:supported-calendar-component-set), e.g. ["VEVENT"].
	Components  []string
	Transparent bool  // CALDAV:schedule-calendar-transp is transparent
	Revision    int64 // bumped by every change to the collection's members
	CreatedAt   time.Time
	ModifiedAt  time.Time
}

// Accepts reports whether the calendar accepts components of type comp.
func (c *Calendar) Accepts(comp string) bool {
	for _, s := range c.Components {
		if s == comp {
			return true
		}
	}
	return false
}

// Property is a dead property (RFC 4918 §4.2) set by a client: its name and
// its value as a self-contained XML element, stored and returned verbatim.
type Property struct {
	Name xml.Name
	XML  string
}

// CalendarUpdate is one atomic change of a calendar's properties (a
// PROPPATCH or the initial properties of MKCALENDAR). Nil fields are left
// alone; Set and Remove act on dead properties.
type CalendarUpdate struct {
	DisplayName *string
	Description *string
	Color       *string
	Order       *int
	Timezone    *string
	Components  []string // nil = unchanged
	Transparent *bool
	Set         []Property
	Remove      []xml.Name
}

// Apply copies the fields that u sets into c (dead properties aside).
func (c *Calendar) Apply(u *CalendarUpdate) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.DisplayName, u.DisplayName)
	set(&c.Description, u.Description)
	set(&c.Color, u.Color)
	set(&c.Timezone, u.Timezone)
	if u.Order != nil {
		c.Order = *u.Order
	}
	if u.Transparent != nil {
		c.Transparent = *u.Transparent
	}
	if u.Components != nil {
		c.Components = u.Components
	}
}
