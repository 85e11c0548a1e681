package storetest

import (
	"encoding/xml"
	"reflect"
	"testing"

	"github.com/kalends/kalends/backend"
)

func testProvisionHome(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "erin")
	defaults := func() []*backend.Calendar {
		return []*backend.Calendar{
			{PrincipalID: p.ID, URI: "calendar", Kind: backend.CollectionCalendar, Components: []string{"VEVENT"}},
			{PrincipalID: p.ID, URI: "tasks", Kind: backend.CollectionCalendar, Components: []string{"VTODO"}},
			{PrincipalID: p.ID, URI: "inbox", Kind: backend.CollectionInbox},
		}
	}
	done, err := s.ProvisionHome(ctx(t), p.ID, defaults())
	if err != nil || !done {
		t.Fatalf("first ProvisionHome = %v, %v", done, err)
	}
	cals, err := s.ListCalendars(ctx(t), p.ID)
	if err != nil || len(cals) != 3 {
		t.Fatalf("ListCalendars = %d, %v", len(cals), err)
	}
	if err := s.DeleteCalendar(ctx(t), cals[0].ID); err != nil {
		t.Fatal(err)
	}
	done, err = s.ProvisionHome(ctx(t), p.ID, defaults())
	if err != nil || done {
		t.Fatalf("second ProvisionHome = %v, %v; want false", done, err)
	}
	cals, _ = s.ListCalendars(ctx(t), p.ID)
	if len(cals) != 2 {
		t.Fatalf("second ProvisionHome re-created a deleted calendar: %d", len(cals))
	}
	_, err = s.ProvisionHome(ctx(t), 1<<40, defaults())
	wantErr(t, "ProvisionHome(unknown)", err, backend.ErrNotFound)
}

func testCalendars(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "frank")
	q := mustUser(t, s, "grace")
	c := &backend.Calendar{PrincipalID: p.ID, URI: "work", Kind: backend.CollectionCalendar,
		DisplayName: "Work", Description: "Office", Color: "#FF0000FF", Order: 3,
		Components: []string{"VEVENT", "VTODO"}, Transparent: true}
	initial := backend.Property{Name: xml.Name{Space: "urn:x", Local: "p"}, XML: `<p xmlns="urn:x">v</p>`}
	if err := s.CreateCalendar(ctx(t), c, []backend.Property{initial}); err != nil {
		t.Fatal(err)
	}
	if props, err := s.Properties(ctx(t), c.ID, ""); err != nil || len(props) != 1 || props[0] != initial {
		t.Fatalf("initial properties = %v, %v", props, err)
	}
	if c.ID == 0 || c.CreatedAt.IsZero() || c.ModifiedAt.IsZero() {
		t.Fatalf("CreateCalendar did not set ID/timestamps: %+v", c)
	}
	err := s.CreateCalendar(ctx(t), &backend.Calendar{PrincipalID: p.ID, URI: "work", Kind: backend.CollectionCalendar}, nil)
	wantErr(t, "duplicate calendar", err, backend.ErrExists)
	// Another user may have a calendar with the same URI.
	mustCalendar(t, s, q, "work")
	mustCalendar(t, s, p, "home")

	got, err := s.Calendar(ctx(t), p.ID, "work")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != c.ID || got.DisplayName != "Work" || got.Description != "Office" || got.Color != "#FF0000FF" ||
		got.Order != 3 || !got.Transparent || got.Kind != backend.CollectionCalendar ||
		!reflect.DeepEqual(got.Components, []string{"VEVENT", "VTODO"}) || got.Revision != 0 {
		t.Fatalf("Calendar = %+v", got)
	}
	if !got.Accepts("VTODO") || got.Accepts("VJOURNAL") {
		t.Fatal("Accepts disagrees with Components")
	}
	cals, err := s.ListCalendars(ctx(t), p.ID)
	if err != nil || len(cals) != 2 || cals[0].URI != "home" || cals[1].URI != "work" {
		t.Fatalf("ListCalendars = %v, %v", cals, err)
	}
	_, err = s.Calendar(ctx(t), p.ID, "nope")
	wantErr(t, "unknown calendar", err, backend.ErrNotFound)

	put(t, s, c.ID, event("a.ics", "uid-a", "A", t0))
	if err := s.DeleteCalendar(ctx(t), c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Object(ctx(t), c.ID, "a.ics")
	wantErr(t, "object of deleted calendar", err, backend.ErrNotFound)
	wantErr(t, "delete calendar twice", s.DeleteCalendar(ctx(t), c.ID), backend.ErrNotFound)
	_, err = s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, Object: event("b.ics", "uid-b", "B", t0)})
	wantErr(t, "put into deleted calendar", err, backend.ErrNotFound)
}

func testUpdateCalendar(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "heidi")
	c := mustCalendar(t, s, p, "cal")
	name, desc, color, tz := "Renamed", "A description", "#00FF00", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
	order, transp := 7, true
	color1 := backend.Property{Name: xml.Name{Space: "http://example.com/ns/", Local: "shade"},
		XML: `<X:shade xmlns:X="http://example.com/ns/" level="2"><X:tone>dark</X:tone></X:shade>`}
	other := backend.Property{Name: xml.Name{Space: "urn:other", Local: "flag"}, XML: `<flag xmlns="urn:other">1</flag>`}
	got, err := s.UpdateCalendar(ctx(t), c.ID, &backend.CalendarUpdate{
		DisplayName: &name, Description: &desc, Color: &color, Order: &order, Timezone: &tz,
		Transparent: &transp, Components: []string{"VTODO"}, Set: []backend.Property{color1, other},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != name || got.Description != desc || got.Color != color || got.Order != 7 ||
		got.Timezone != tz || !got.Transparent || !reflect.DeepEqual(got.Components, []string{"VTODO"}) {
		t.Fatalf("UpdateCalendar result = %+v", got)
	}
	again, _ := s.Calendar(ctx(t), p.ID, "cal")
	if again.DisplayName != name || again.Order != 7 {
		t.Fatalf("update not stored: %+v", again)
	}
	props, err := s.Properties(ctx(t), c.ID, "")
	if err != nil || len(props) != 2 {
		t.Fatalf("Properties = %v, %v", props, err)
	}
	for _, want := range []backend.Property{color1, other} {
		if !hasProp(props, want) {
			t.Fatalf("dead property %v not returned verbatim: %v", want.Name, props)
		}
	}
	// Setting again replaces; removing an absent property is not an error
	// (RFC 4918 §14.23).
	color1.XML = `<X:shade xmlns:X="http://example.com/ns/">light</X:shade>`
	_, err = s.UpdateCalendar(ctx(t), c.ID, &backend.CalendarUpdate{Set: []backend.Property{color1},
		Remove: []xml.Name{other.Name, {Space: "urn:x", Local: "absent"}}})
	if err != nil {
		t.Fatal(err)
	}
	props, _ = s.Properties(ctx(t), c.ID, "")
	if len(props) != 1 || !hasProp(props, color1) {
		t.Fatalf("after replace+remove: %v", props)
	}
	_, err = s.UpdateCalendar(ctx(t), 1<<40, &backend.CalendarUpdate{DisplayName: &name})
	wantErr(t, "update unknown calendar", err, backend.ErrNotFound)
}

func hasProp(props []backend.Property, want backend.Property) bool {
	for _, p := range props {
		if p.Name == want.Name && p.XML == want.XML {
			return true
		}
	}
	return false
}
