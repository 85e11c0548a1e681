package davimport

import (
	"context"
	"encoding/xml"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// SourceCalendar is one calendar collection of the source account.
type SourceCalendar struct {
	Href string // canonical path of the collection, with a trailing slash
	URL  string // absolute URL of the collection
	// The collection's properties; a nil pointer means the source has no
	// such property, which leaves the Kalends value alone.
	DisplayName *string
	Description *string
	Color       *string // Apple's calendar-color
	Order       *string // Apple's calendar-order, as sent
	Timezone    *string // CALDAV:calendar-timezone
	Components  []string
	// SyncToken is the collection's DAV:sync-token (RFC 6578 §4), "" when
	// the source does not support sync-collection on it.
	SyncToken string
}

// Segment returns the last path segment of the collection, decoded.
func (c *SourceCalendar) Segment() string {
	return path.Base(strings.TrimSuffix(pathOf(c.Href), "/"))
}

// importable reports whether the collection may hold events or tasks: a
// calendar without a component set accepts any (RFC 4791 §5.2.3).
func (c *SourceCalendar) importable() bool {
	if len(c.Components) == 0 {
		return true
	}
	for _, comp := range c.Components {
		if comp == "VEVENT" || comp == "VTODO" {
			return true
		}
	}
	return false
}

// calendarProps are the collection properties go-webdav's FindCalendars
// does not read: Apple's colour and order, the calendar time zone, and the
// sync-token.
var calendarProps = []xml.Name{
	{Space: nsDAV, Local: "resourcetype"},
	{Space: nsDAV, Local: "displayname"},
	{Space: nsDAV, Local: "sync-token"},
	{Space: nsCalDAV, Local: "calendar-description"},
	{Space: nsCalDAV, Local: "calendar-timezone"},
	{Space: nsApple, Local: "calendar-color"},
	{Space: nsApple, Local: "calendar-order"},
}

// Discover finds the account's calendar collections that may hold events
// or tasks: current-user-principal (RFC 5397), its calendar-home-set
// (RFC 4791 §6.2.1), then the calendars in that home, through go-webdav's
// client; their other properties come from one PROPFIND of the home.
func (s *Source) Discover(ctx context.Context) ([]*SourceCalendar, error) {
	principal, err := s.dav.FindCurrentUserPrincipal(ctx)
	if err != nil {
		return nil, s.sourceError(err, "no DAV:current-user-principal")
	}
	if principal == "" {
		principal = s.base.Path
	}
	home, err := s.dav.FindCalendarHomeSet(ctx, principal)
	if err != nil {
		return nil, s.sourceError(err, "no CALDAV:calendar-home-set on principal "+principal)
	}
	if home == "" {
		return nil, &NotCalDAVError{URL: s.URL(), Reason: "principal " + principal + " has no CALDAV:calendar-home-set"}
	}
	found, err := s.dav.FindCalendars(ctx, home)
	if err != nil {
		return nil, s.sourceError(err, "listing the calendar home "+home)
	}
	byPath := map[string]*SourceCalendar{}
	var cals []*SourceCalendar
	for _, f := range found {
		href := canonicalPath(f.Path)
		if !strings.HasSuffix(href, "/") {
			href += "/"
		}
		c := &SourceCalendar{Href: href, URL: s.resolve(href), Components: upper(f.SupportedComponentSet)}
		byPath[href] = c
		cals = append(cals, c)
	}
	_, err = s.davRequest(ctx, "PROPFIND", home, "1", propfindBody(calendarProps), func(r *msResponse) error {
		href := canonicalPath(r.Href)
		if !strings.HasSuffix(href, "/") {
			href += "/"
		}
		if c := byPath[href]; c != nil {
			c.setProps(r)
		}
		return nil
	})
	if err != nil {
		return nil, s.sourceError(err, "reading the calendars' properties")
	}
	var out []*SourceCalendar
	for _, c := range cals {
		if c.importable() {
			out = append(out, c)
		}
	}
	return out, nil
}

func (c *SourceCalendar) setProps(r *msResponse) {
	opt := func(n xml.Name) *string {
		if v, ok := r.text(n); ok && v != "" {
			return &v
		}
		return nil
	}
	c.DisplayName = opt(xml.Name{Space: nsDAV, Local: "displayname"})
	c.Description = opt(xml.Name{Space: nsCalDAV, Local: "calendar-description"})
	c.Color = opt(xml.Name{Space: nsApple, Local: "calendar-color"})
	c.Order = opt(xml.Name{Space: nsApple, Local: "calendar-order"})
	if e := r.prop(xml.Name{Space: nsCalDAV, Local: "calendar-timezone"}); e != nil && strings.TrimSpace(e.Text) != "" {
		tz := e.Text // iCalendar text: its line ends matter
		c.Timezone = &tz
	}
	c.SyncToken, _ = r.text(xml.Name{Space: nsDAV, Local: "sync-token"})
}

// propfindBody returns a PROPFIND body asking for names (RFC 4918 §9.1).
func propfindBody(names []xml.Name) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>`)
	for i, n := range names {
		p := "p" + strconv.Itoa(i)
		b.WriteString("<" + p + ":" + n.Local + ` xmlns:` + p + `="` + xmlEscape(n.Space) + `"/>`)
	}
	b.WriteString(`</D:prop></D:propfind>`)
	return b.String()
}

func upper(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, strings.ToUpper(strings.TrimSpace(s)))
	}
	return out
}

// pathOf decodes a canonical path.
func pathOf(href string) string {
	if p, err := url.PathUnescape(href); err == nil {
		return p
	}
	return href
}
