package caldav

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
)

// TestImportStateIsInternal: the import state kept on a calendar is left
// out of allprop and propname (RFC 4918 §9.1), answered when asked for by
// name, and protected from PROPPATCH (§16 cannot-modify-protected-property),
// while a client's own dead properties in the Kalends namespace are not.
func TestImportStateIsInternal(t *testing.T) {
	ts := newTestServer(t)
	cal := "/dav/calendars/users/alice/calendar/"
	ts.must(http.StatusMultiStatus, "alice", "PROPFIND", cal, "", "Depth", "0") // provisions the home
	c, err := ts.store.Calendar(context.Background(), ts.users["alice"].ID, "calendar")
	if err != nil {
		t.Fatal(err)
	}
	state := `<import-state xmlns="urn:x-kalends:xml:ns"><source>https://old.example/cal/</source></import-state>`
	_, err = ts.store.UpdateCalendar(context.Background(), c.ID, &backend.CalendarUpdate{
		Set: []backend.Property{{Name: calendar.ImportStateName, XML: state}}})
	if err != nil {
		t.Fatal(err)
	}
	ts.must(http.StatusMultiStatus, "alice", "PROPPATCH", cal, `<D:propertyupdate xmlns:D="DAV:" xmlns:K="urn:x-kalends:xml:ns">
<D:set><D:prop><K:note>mine</K:note></D:prop></D:set></D:propertyupdate>`)

	for _, body := range []string{"", `<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>`} {
		_, out := ts.must(http.StatusMultiStatus, "alice", "PROPFIND", cal, body, "Depth", "0")
		r := parseMultistatus(t, out).response(cal)
		if _, _, ok := r.prop(calendar.ImportStateName); ok {
			t.Errorf("PROPFIND %q lists the import state:\n%s", body, out)
		}
		if _, _, ok := r.prop(dx.Name(dx.NSKalends, "note")); !ok {
			t.Errorf("PROPFIND %q lacks the client's dead property:\n%s", body, out)
		}
	}
	_, out := ts.must(http.StatusMultiStatus, "alice", "PROPFIND", cal,
		`<D:propfind xmlns:D="DAV:" xmlns:K="urn:x-kalends:xml:ns"><D:prop><K:import-state/></D:prop></D:propfind>`, "Depth", "0")
	status, inner, ok := parseMultistatus(t, out).response(cal).prop(calendar.ImportStateName)
	if !ok || !strings.Contains(status, "200") || !strings.Contains(inner, "https://old.example/cal/") {
		t.Errorf("import state asked for by name: %q %q\n%s", status, inner, out)
	}

	for _, op := range []string{"set", "remove"} {
		body := `<D:propertyupdate xmlns:D="DAV:" xmlns:K="urn:x-kalends:xml:ns"><D:` + op +
			`><D:prop><K:import-state>x</K:import-state></D:prop></D:` + op + `></D:propertyupdate>`
		_, out := ts.must(http.StatusMultiStatus, "alice", "PROPPATCH", cal, body)
		status, _, _ := parseMultistatus(t, out).response(cal).prop(calendar.ImportStateName)
		if !strings.Contains(status, "403") {
			t.Errorf("PROPPATCH %s of the import state: %q, want 403\n%s", op, status, out)
		}
	}
	props, err := ts.store.Properties(context.Background(), c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range props {
		if p.Name == calendar.ImportStateName && p.XML != state {
			t.Errorf("the import state changed: %s", p.XML)
		}
	}
}

// TestUpdateCalendarChecksTimezone: calendar.Service.UpdateCalendar refuses a
// calendar-timezone that is not one VTIMEZONE, writing nothing.
func TestUpdateCalendarChecksTimezone(t *testing.T) {
	ts := newTestServer(t)
	h := calendar.New(ts.store, calendar.Options{})
	c := &backend.Calendar{PrincipalID: ts.users["alice"].ID, URI: "x", Kind: backend.CollectionCalendar, Components: []string{"VEVENT"}}
	if err := ts.store.CreateCalendar(context.Background(), c, nil); err != nil {
		t.Fatal(err)
	}
	bad, name := "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "renamed"
	if _, err := h.UpdateCalendar(context.Background(), c, &backend.CalendarUpdate{DisplayName: &name, Timezone: &bad}); err == nil {
		t.Fatal("a calendar-timezone without VTIMEZONE was accepted")
	}
	if got, _ := ts.store.Calendar(context.Background(), c.PrincipalID, "x"); got.DisplayName != "" {
		t.Errorf("a refused update wrote the display name %q", got.DisplayName)
	}
}
