package caldav

import (
	"context"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
)

// TestImportOutcomes: Import creates, replaces in place (keeping the
// resource name a client gave), and leaves identical bytes alone without
// moving the sync token; it sends no invitation to a local attendee.
func TestImportOutcomes(t *testing.T) {
	ts := newTestServer(t)
	h, ctx := ts.svc(), context.Background()
	c := ts.calendarOf("alice", "calendar")
	invite := strings.Replace(event("meet", "20260301T100000Z", "Meet"), "END:VEVENT",
		"ORGANIZER:mailto:alice@example.com\r\nATTENDEE:mailto:bob@example.com\r\nEND:VEVENT", 1)
	res, err := h.Import(ctx, c, []byte(invite))
	if err != nil || res.Outcome != calendar.ImportCreated || res.URI != "meet.ics" || res.ETag == "" {
		t.Fatalf("first import: %+v %v", res, err)
	}
	bobInbox := ts.calendarOf("bob", "inbox")
	if objs, _ := ts.store.ListObjects(ctx, bobInbox.ID, nil); len(objs) != 0 {
		t.Fatalf("an import delivered %d scheduling messages", len(objs))
	}
	c, _ = ts.store.Calendar(ctx, c.PrincipalID, "calendar")
	res, err = h.Import(ctx, c, []byte(invite))
	after, _ := ts.store.Calendar(ctx, c.PrincipalID, "calendar")
	if err != nil || res.Outcome != calendar.ImportUnchanged || after.Revision != c.Revision {
		t.Fatalf("same bytes: %+v %v, revision %d → %d", res, err, c.Revision, after.Revision)
	}
	// A client's resource of that UID is replaced where it is.
	ts.put("alice", cal+"Client-Name.ics", event("client", "20260302T100000Z", "v1"))
	res, err = h.Import(ctx, c, []byte(event("client", "20260302T110000Z", "v2")))
	if err != nil || res.Outcome != calendar.ImportUpdated || res.URI != "Client-Name.ics" {
		t.Fatalf("update: %+v %v", res, err)
	}
	if _, body := ts.must(200, "alice", "GET", cal+"Client-Name.ics", ""); !strings.Contains(body, "SUMMARY:v2") {
		t.Fatalf("not replaced: %s", body)
	}
}

// TestImportRejects: Import applies PUT's checks and says why, writing
// nothing: a parse error carries its line, a component the calendar does
// not take, an object over max-resource-size, a collection that is not a
// calendar.
func TestImportRejects(t *testing.T) {
	ts := newTestServer(t)
	h, ctx := ts.svc(), context.Background()
	c := ts.calendarOf("alice", "calendar") // VEVENT only
	for _, tc := range []struct {
		cal    *backend.Calendar
		data   string
		status int
		detail string
	}{
		{c, strings.Replace(event("bad", "20260301T100000Z", "x"), "DURATION:PT1H", "DURATION:soon", 1), 403, "line 8: DURATION"},
		{c, todo("t", "", "20260301T100000Z"), 403, "does not accept VTODO"},
		{c, event("big", "20260301T100000Z", strings.Repeat("x", 2<<20)), 413, "at most"},
		{ts.calendarOf("alice", "outbox"), event("o", "20260301T100000Z", "x"), 403, "not a calendar collection"},
	} {
		_, err := h.Import(ctx, tc.cal, []byte(tc.data))
		de := ts.handler().davError(err)
		if de == nil || de.Status != tc.status || !strings.Contains(de.Detail, tc.detail) {
			t.Errorf("import into %s: %v, want %d %q", tc.cal.URI, err, tc.status, tc.detail)
		}
	}
	if objs, _ := ts.store.ListObjects(ctx, c.ID, nil); len(objs) != 0 {
		t.Fatalf("rejected imports stored %d objects", len(objs))
	}
}
