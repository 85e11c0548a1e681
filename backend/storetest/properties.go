package storetest

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
)

// prop is a dead property named urn:x:name holding size bytes of text.
func prop(name string, size int) backend.Property {
	n := xml.Name{Space: "urn:x", Local: name}
	open := `<x:` + name + ` xmlns:x="urn:x">`
	end := `</x:` + name + `>`
	return backend.Property{Name: n, XML: open + strings.Repeat("v", max(0, size-len(open)-len(end))) + end}
}

// testHomeProperties: a calendar home keeps dead properties (Apple's
// default-alarm-vevent-date), set and removed atomically, apart from its
// collections'; they go with their principal.
func testHomeProperties(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "hana")
	c := mustCalendar(t, s, p, "cal")
	alarm := backend.Property{Name: xml.Name{Space: "http://apple.com/ns/ical/", Local: "default-alarm-vevent-date"},
		XML: `<I:default-alarm-vevent-date xmlns:I="http://apple.com/ns/ical/">BEGIN:VALARM&#13;END:VALARM</I:default-alarm-vevent-date>`}
	if err := s.PatchHomeProperties(ctx(t), p.ID, []backend.Property{alarm, prop("other", 50)}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.HomeProperties(ctx(t), p.ID)
	if err != nil || len(got) != 2 || got[0] != alarm {
		t.Fatalf("HomeProperties = %v, %v", got, err)
	}
	if cp, _ := s.Properties(ctx(t), c.ID, ""); len(cp) != 0 {
		t.Fatalf("home properties leaked to a calendar: %v", cp)
	}
	if err := s.PatchHomeProperties(ctx(t), p.ID, nil, []xml.Name{alarm.Name}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.HomeProperties(ctx(t), p.ID); len(got) != 1 || got[0].Name.Local != "other" {
		t.Fatalf("after remove: %v", got)
	}
	wantErr(t, "a missing principal's home", s.PatchHomeProperties(ctx(t), p.ID+1000, []backend.Property{alarm}, nil), backend.ErrNotFound)
	if err := s.DeletePrincipal(ctx(t), p.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.HomeProperties(ctx(t), p.ID); len(got) != 0 {
		t.Fatalf("home properties outlived their principal: %v", got)
	}
}

// testPropertyLimits: every write of dead properties keeps the bounds of
// backend.CheckPropertySet and CheckPropertyUsage, and a refused write
// leaves nothing behind: one property too large, too many on one
// resource, too many bytes in one home (across its collections, objects,
// files and the home itself).
func testPropertyLimits(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "ivo")
	c := mustCalendar(t, s, p, "cal")
	put(t, s, c.ID, event("a.ics", "uid-a", "A", t0))
	huge := []backend.Property{prop("huge", backend.MaxPropertySize+1)}
	writes := map[string]func(set []backend.Property) error{
		"calendar": func(set []backend.Property) error {
			_, err := s.UpdateCalendar(ctx(t), c.ID, &backend.CalendarUpdate{Set: set})
			return err
		},
		"object": func(set []backend.Property) error { return s.PatchObjectProperties(ctx(t), c.ID, "a.ics", set, nil) },
		"home":   func(set []backend.Property) error { return s.PatchHomeProperties(ctx(t), p.ID, set, nil) },
		"new calendar": func(set []backend.Property) error {
			return s.CreateCalendar(ctx(t), &backend.Calendar{PrincipalID: p.ID, URI: "new", Kind: backend.CollectionCalendar,
				Components: []string{"VEVENT"}}, set)
		},
		"file collection": func(set []backend.Property) error { return s.MakeFileCollection(ctx(t), c.ID, "dir/", set) },
	}
	var many []backend.Property
	for i := range backend.MaxResourceProperties + 1 {
		many = append(many, prop(fmt.Sprintf("p%d", i), 40))
	}
	for what, write := range writes {
		wantErr(t, what+": one property too large", write(huge), backend.ErrPropertyLimit)
		wantErr(t, what+": too many properties", write(many), backend.ErrPropertyLimit)
	}
	if _, err := s.Calendar(ctx(t), p.ID, "new"); err == nil {
		t.Fatal("a calendar refused for its properties was created")
	}
	for _, got := range [][]backend.Property{props(t, s, c.ID, ""), props(t, s, c.ID, "a.ics")} {
		if len(got) != 0 {
			t.Fatalf("a refused write left properties: %d", len(got))
		}
	}
	if got, _ := s.HomeProperties(ctx(t), p.ID); len(got) != 0 {
		t.Fatalf("a refused write left home properties: %d", len(got))
	}
	// Up to the home's bound, spread over its resources; then no more.
	big := backend.MaxPropertySize - 100
	n := backend.MaxHomePropertyBytes / big
	for i := range n {
		var err error
		if i%2 == 0 {
			err = writes["calendar"]([]backend.Property{prop(fmt.Sprintf("b%d", i), big)})
		} else {
			err = writes["object"]([]backend.Property{prop(fmt.Sprintf("b%d", i), big)})
		}
		if err != nil {
			t.Fatalf("property %d of %d bytes: %v", i, big, err)
		}
	}
	wantErr(t, "past the home's bound", writes["home"]([]backend.Property{prop("last", big)}), backend.ErrPropertyLimit)
	// Another home is not affected; removing makes room again.
	q := mustUser(t, s, "jo")
	if err := s.PatchHomeProperties(ctx(t), q.ID, []backend.Property{prop("last", big)}, nil); err != nil {
		t.Fatalf("another home: %v", err)
	}
	if _, err := s.UpdateCalendar(ctx(t), c.ID, &backend.CalendarUpdate{Remove: []xml.Name{prop("b0", 0).Name}}); err != nil {
		t.Fatal(err)
	}
	if err := writes["home"]([]backend.Property{prop("last", big)}); err != nil {
		t.Fatalf("after a removal: %v", err)
	}
	// The server's own bookkeeping (the import state of a large
	// calendar) is not a client's property: no bound counts it, and it
	// takes no room from the clients'.
	state := backend.Property{Name: xml.Name{Space: backend.ServerNamespace, Local: backend.ServerPropertyPrefix + "state"},
		XML: "<x>" + strings.Repeat("e", 2*backend.MaxHomePropertyBytes) + "</x>"}
	if _, err := s.UpdateCalendar(ctx(t), c.ID, &backend.CalendarUpdate{Set: []backend.Property{state}}); err != nil {
		t.Fatalf("the server's bookkeeping property: %v", err)
	}
	if _, err := s.UpdateCalendar(ctx(t), c.ID, &backend.CalendarUpdate{Remove: []xml.Name{prop("b2", 0).Name}}); err != nil {
		t.Fatal(err)
	}
	if err := writes["object"]([]backend.Property{prop("again", big)}); err != nil {
		t.Fatalf("a client's property after the server's: %v", err)
	}
}

func props(t *testing.T, s backend.Store, calID int64, uri string) []backend.Property {
	t.Helper()
	got, err := s.Properties(ctx(t), calID, uri)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// testResourceNames: a new object, file or file collection whose name
// has control characters, is not UTF-8 or is longer than 255 bytes is
// refused with ErrInvalidName, and nothing is written.
func testResourceNames(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "kai")
	c := mustCalendar(t, s, p, "cal")
	if err := s.MakeFileCollection(ctx(t), c.ID, "dir/", nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a\x00.ics", "a\r\nb.ics", "tab\t.ics", "bad\xff.ics", "c1\u0085.ics", strings.Repeat("x", 256), ".."} {
		_, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: c.ID, Object: event(name, "uid-"+name, "E", t0)})
		wantErr(t, fmt.Sprintf("object %q", name), err, backend.ErrInvalidName)
		_, err = s.PutFile(ctx(t), &backend.PutFileRequest{CalendarID: c.ID, Path: "dir/" + name, Data: []byte("x")})
		wantErr(t, fmt.Sprintf("file %q", name), err, backend.ErrInvalidName)
		wantErr(t, fmt.Sprintf("file collection %q", name), s.MakeFileCollection(ctx(t), c.ID, "dir/"+name+"/", nil), backend.ErrInvalidName)
	}
	if objs, _ := s.ListObjects(ctx(t), c.ID, nil); len(objs) != 0 {
		t.Fatalf("refused names were stored: %v", objs)
	}
	// Names people type, in any script, up to 255 bytes, are fine.
	for _, name := range []string{"Réunion d'équipe.ics", "会議 1.ics", strings.Repeat("y", 251) + ".ics"} {
		put(t, s, c.ID, event(name, "uid-"+name, "E", t0))
	}
}
