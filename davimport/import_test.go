package davimport

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/caldav"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/testenv"
)

// kalendsSource is a Kalends server on its own SQLite store behind real
// HTTP, serving as the source account: Kalends speaks sync-collection,
// calendar-multiget and the Apple properties like the servers users
// migrate from.
type kalendsSource struct {
	t   *testing.T
	srv *httptest.Server
}

func newKalendsSource(t *testing.T, users ...string) *kalendsSource {
	t.Helper()
	s := openStore(t)
	for _, u := range users {
		addUser(t, s, u)
		hash, _ := backend.HashPassword("pw-" + u)
		p, _ := s.Principal(context.Background(), backend.KindUser, u)
		if err := s.SetPassword(context.Background(), p.ID, hash); err != nil {
			t.Fatal(err)
		}
	}
	src := &kalendsSource{t: t, srv: httptest.NewServer(caldav.New(calendar.New(s, calendar.Options{}), caldav.Options{Logger: quiet()}))}
	t.Cleanup(src.srv.Close)
	return src
}

// do sends a request as user and fails the test unless the status is
// one of want.
func (k *kalendsSource) do(user, method, path, body string, want ...int) string {
	k.t.Helper()
	req, err := http.NewRequest(method, k.srv.URL+path, strings.NewReader(body))
	if err != nil {
		k.t.Fatal(err)
	}
	req.SetBasicAuth(user, "pw-"+user)
	req.Header.Set("Depth", "0")
	if strings.HasPrefix(body, "BEGIN:") {
		req.Header.Set("Content-Type", "text/calendar")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, w := range want {
		if resp.StatusCode == w {
			return string(b)
		}
	}
	k.t.Fatalf("%s %s: %d, want %v\n%s", method, path, resp.StatusCode, want, b)
	return ""
}

func (k *kalendsSource) account(user string) string {
	return k.srv.URL + "/dav/principals/users/" + user + "/"
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openStore(t *testing.T) backend.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), testenv.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func addUser(t *testing.T, s backend.Store, name string) *backend.Principal {
	t.Helper()
	p := &backend.Principal{Kind: backend.KindUser, Name: name, Emails: []string{name + "@example.com"}}
	if err := s.CreatePrincipal(context.Background(), p, ""); err != nil {
		t.Fatal(err)
	}
	return p
}

func event(uid, summary string) string {
	return strings.ReplaceAll("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Kalends//davimport test//EN\nBEGIN:VEVENT\nUID:"+uid+
		"\nDTSTAMP:20260101T000000Z\nDTSTART:20260302T090000Z\nDTEND:20260302T100000Z\nSUMMARY:"+summary+
		"\nEND:VEVENT\nEND:VCALENDAR\n", "\n", "\r\n")
}

// target is the Kalends side: a store, its service and the user imported into.
type target struct {
	store backend.Store
	h     *calendar.Service
	user  *backend.Principal
}

func newTarget(t *testing.T, opts calendar.Options) *target {
	t.Helper()
	s := openStore(t)
	opts.Logger = quiet()
	return &target{store: s, h: calendar.New(s, opts), user: addUser(t, s, "carol")}
}

// migrate runs one import of account as user, with listing forced when
// asked, and returns the report of the calendar named cal.
func (tg *target) migrate(t *testing.T, account, user string, listing bool, cal string) *CalendarReport {
	t.Helper()
	src, err := NewSource(account, user, "pw-"+user, nil)
	if err != nil {
		t.Fatal(err)
	}
	src.forceListing = listing
	rep, err := NewImporter(tg.h, src, false).Run(context.Background(), tg.user, nil)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	for _, c := range rep.Calendars {
		if c.Target == cal {
			return c
		}
	}
	t.Fatalf("no calendar %s in the report %+v", cal, rep.Calendars)
	return nil
}

func (tg *target) calendar(t *testing.T, uri string) *backend.Calendar {
	t.Helper()
	c, err := tg.store.Calendar(context.Background(), tg.user.ID, uri)
	if err != nil {
		t.Fatalf("calendar %s: %v", uri, err)
	}
	return c
}

// objects returns the target calendar's objects, UID → data.
func (tg *target) objects(t *testing.T, uri string) map[string]string {
	t.Helper()
	objs, err := tg.store.ListObjects(context.Background(), tg.calendar(t, uri).ID, &backend.ListOptions{WithData: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range objs {
		out[o.UID] = string(o.Data)
	}
	return out
}

func wantCounts(t *testing.T, step string, c *CalendarReport, created, updated, unchanged, deleted, rejected int) {
	t.Helper()
	got := fmt.Sprint(c.Created, c.Updated, c.Unchanged, c.Deleted, len(c.Rejected))
	if want := fmt.Sprint(created, updated, unchanged, deleted, rejected); got != want {
		t.Fatalf("%s: created updated unchanged deleted rejected = %s, want %s (%+v)", step, got, want, c)
	}
}

const mkWork = `<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/">
<D:set><D:prop><D:displayname>Work</D:displayname><C:calendar-description>Work things</C:calendar-description>
<A:calendar-color>#FF2968FF</A:calendar-color><A:calendar-order>3</A:calendar-order></D:prop></D:set></C:mkcalendar>`

// TestMigrateAndRerun copies an account, then re-runs it after changes on
// the source, by sync-collection and by listing: unchanged objects are
// not fetched again and do not move the target's revision; a changed,
// added and deleted object are picked up; an object changed in Kalends
// since it was imported survives its deletion on the source.
func TestMigrateAndRerun(t *testing.T) {
	for _, listing := range []bool{false, true} {
		t.Run(map[bool]string{false: "sync-collection", true: "listing"}[listing], func(t *testing.T) {
			src := newKalendsSource(t, "alice")
			work := "/dav/calendars/users/alice/work/"
			src.do("alice", "MKCALENDAR", work, mkWork, 201)
			for i := 1; i <= 3; i++ {
				src.do("alice", "PUT", work+fmt.Sprintf("e%d.ics", i), event(fmt.Sprintf("e%d@test", i), "one"), 201)
			}
			tg := newTarget(t, calendar.Options{})
			c := tg.migrate(t, src.account("alice"), "alice", listing, "work")
			wantCounts(t, "first run", c, 3, 0, 0, 0, 0)
			if !c.CalendarCreated {
				t.Errorf("first run did not create the calendar: %+v", c)
			}
			cal := tg.calendar(t, "work")
			if cal.DisplayName != "Work" || cal.Description != "Work things" || cal.Color != "#FF2968FF" || cal.Order != 3 {
				t.Errorf("calendar properties not copied: %+v", cal)
			}
			objs := tg.objects(t, "work")
			for i := 1; i <= 3; i++ {
				uid := fmt.Sprintf("e%d@test", i)
				if objs[uid] != event(uid, "one") {
					t.Errorf("%s: stored %q, want the source's bytes", uid, objs[uid])
				}
			}
			// Every calendar of the account comes along, the empty
			// default ones too.
			for _, name := range []string{"calendar", "tasks"} {
				tg.calendar(t, name)
			}

			rev := cal.Revision
			c = tg.migrate(t, src.account("alice"), "alice", listing, "work")
			wantCounts(t, "run with no change", c, 0, 0, 3, 0, 0)
			if got := tg.calendar(t, "work").Revision; got != rev {
				t.Errorf("a run with no change moved the revision from %d to %d", rev, got)
			}

			src.do("alice", "PUT", work+"e1.ics", event("e1@test", "two"), 204)
			src.do("alice", "PUT", work+"e4.ics", event("e4@test", "new"), 201)
			src.do("alice", "DELETE", work+"e2.ics", "", 204)
			c = tg.migrate(t, src.account("alice"), "alice", listing, "work")
			wantCounts(t, "run after changes", c, 1, 1, 1, 1, 0)
			objs = tg.objects(t, "work")
			if _, ok := objs["e2@test"]; ok || objs["e1@test"] != event("e1@test", "two") || objs["e4@test"] == "" || len(objs) != 3 {
				t.Fatalf("after the changes the target holds %v", objs)
			}

			// carol edits e3 in Kalends; alice deletes it: it stays.
			if _, err := tg.h.Import(context.Background(), tg.calendar(t, "work"), []byte(event("e3@test", "carol's"))); err != nil {
				t.Fatal(err)
			}
			src.do("alice", "DELETE", work+"e3.ics", "", 204)
			c = tg.migrate(t, src.account("alice"), "alice", listing, "work")
			wantCounts(t, "run after deleting an object edited in Kalends", c, 0, 0, 2, 0, 0)
			if len(c.Kept) != 1 || !strings.Contains(c.Kept[0].Href, "e3.ics") {
				t.Errorf("kept = %+v, want e3.ics", c.Kept)
			}
			if tg.objects(t, "work")["e3@test"] != event("e3@test", "carol's") {
				t.Errorf("the object edited in Kalends was not kept")
			}
			wantMethod := map[bool]string{false: "sync-collection since the last run", true: "PROPFIND listing"}[listing]
			if c.Method != wantMethod {
				t.Errorf("method %q, want %q", c.Method, wantMethod)
			}
		})
	}
}

// TestRejectedObjectsReported has Kalends refuse an object (larger than
// its max-resource-size): it is reported with the reason on every run
// until the source changes it, and the others are imported.
func TestRejectedObjectsReported(t *testing.T) {
	src := newKalendsSource(t, "alice")
	cal := "/dav/calendars/users/alice/calendar/"
	src.do("alice", "PROPFIND", cal, "", 207)
	src.do("alice", "PUT", cal+"small.ics", event("small@test", "small"), 201)
	src.do("alice", "PUT", cal+"big.ics", event("big@test", strings.Repeat("x", 600)), 201)
	tg := newTarget(t, calendar.Options{MaxResourceSize: 500})
	for run := 1; run <= 2; run++ {
		c := tg.migrate(t, src.account("alice"), "alice", false, "calendar")
		if run == 1 {
			wantCounts(t, "first run", c, 1, 0, 0, 0, 1)
		} else {
			wantCounts(t, "second run", c, 0, 0, 1, 0, 1)
		}
		if !strings.HasSuffix(c.Rejected[0].Href, "/big.ics") || !strings.Contains(c.Rejected[0].Reason, "max-resource-size") {
			t.Errorf("run %d: rejected %+v, want big.ics for its size", run, c.Rejected)
		}
	}
	src.do("alice", "PUT", cal+"big.ics", event("big@test", "now small"), 204)
	c := tg.migrate(t, src.account("alice"), "alice", false, "calendar")
	wantCounts(t, "after the source fixed it", c, 1, 0, 1, 0, 0)
}

// TestNameClash: a calendar of the user's own and one imported from
// another source keep their names; the import takes the next free one.
func TestNameClash(t *testing.T) {
	src := newKalendsSource(t, "alice", "bob")
	for _, u := range []string{"alice", "bob"} {
		work := "/dav/calendars/users/" + u + "/work/"
		src.do(u, "MKCALENDAR", work, mkWork, 201)
		src.do(u, "PUT", work+"x.ics", event(u+"@test", u), 201)
	}
	tg := newTarget(t, calendar.Options{})
	own := &backend.Calendar{PrincipalID: tg.user.ID, URI: "work", Kind: backend.CollectionCalendar, Components: []string{"VEVENT"}}
	if err := tg.store.CreateCalendar(context.Background(), own, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.h.Import(context.Background(), own, []byte(event("mine@test", "mine"))); err != nil {
		t.Fatal(err)
	}
	if c := tg.migrate(t, src.account("alice"), "alice", false, "work-2"); c.Created != 1 {
		t.Errorf("alice's work: %+v", c)
	}
	if c := tg.migrate(t, src.account("bob"), "bob", false, "work-3"); c.Created != 1 {
		t.Errorf("bob's work: %+v", c)
	}
	// Re-runs find their calendars again.
	if c := tg.migrate(t, src.account("alice"), "alice", false, "work-2"); c.Unchanged != 1 || c.CalendarCreated {
		t.Errorf("alice's work again: %+v", c)
	}
	if got := tg.objects(t, "work"); len(got) != 1 || got["mine@test"] == "" {
		t.Errorf("the user's own calendar changed: %v", got)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"work":                  "work",
		"Work Stuff!":           "Work-Stuff",
		"äöü":                   "calendar",
		"..":                    "calendar",
		"a//b":                  "a-b",
		"3f2a-uuid_x@":          "3f2a-uuid_x@",
		strings.Repeat("x", 80): strings.Repeat("x", 60),
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
		if err := backend.ValidateName(SafeName(in)); err != nil {
			t.Errorf("SafeName(%q): %v", in, err)
		}
	}
}

// TestSplitResource: a resource holding two UIDs (which Radicale stores
// as one item when a whole calendar is uploaded) becomes one part per UID;
// one with a single UID is kept byte for byte.
func TestSplitResource(t *testing.T) {
	one := event("a@test", "a")
	if parts := splitResource([]byte(one)); len(parts) != 1 || string(parts[0]) != one {
		t.Fatalf("a single-UID resource was changed: %q", parts)
	}
	two := strings.Replace(event("a@test", "a"), "END:VCALENDAR\r\n",
		"BEGIN:VEVENT\r\nUID:b@test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260303T090000Z\r\nSUMMARY:b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 1)
	parts := splitResource([]byte(two))
	if len(parts) != 2 {
		t.Fatalf("two UIDs gave %d parts", len(parts))
	}
	for i, uid := range []string{"a@test", "b@test"} {
		p := string(parts[i])
		if !strings.Contains(p, "UID:"+uid+"\r\n") || strings.Count(p, "BEGIN:VEVENT") != 1 || !strings.HasPrefix(p, "BEGIN:VCALENDAR\r\n") {
			t.Errorf("part %d:\n%s", i, p)
		}
	}
}
