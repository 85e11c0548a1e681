package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/caldav"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/internal/testenv"
)

// testStores are the two real stores the command tests run on.
var testStores = map[string]func(t *testing.T) string{
	"sqlite":   func(t *testing.T) string { return testenv.SQLitePath(t) },
	"postgres": func(t *testing.T) string { return testenv.PostgresDB(t) },
}

// newImportDB returns a database with users alice and bob (password
// "pw-long-enough") and the variables that name it.
func newImportDB(t *testing.T, dsn string) map[string]string {
	t.Helper()
	vars := map[string]string{"KALENDS_DATABASE_URL": dsn}
	for _, u := range []string{"alice", "bob"} {
		if code, _, stderr := runCmd(t, "pw-long-enough\n", vars, "user", "add", u, "--email", u+"@example.com", "--password-stdin"); code != 0 {
			t.Fatalf("user add %s: %s", u, stderr)
		}
	}
	return vars
}

// storeOf opens the database of vars for a test to look into.
func storeOf(t *testing.T, vars map[string]string) backend.Store {
	t.Helper()
	s := openTestStore(t, vars["KALENDS_DATABASE_URL"])
	t.Cleanup(func() { s.Close() })
	return s
}

// calendarState returns the objects (UID → data) and revision of
// user/uri.
func calendarState(t *testing.T, s backend.Store, user, uri string) (map[string]string, int64) {
	t.Helper()
	ctx := context.Background()
	p, err := s.Principal(ctx, backend.KindUser, user)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Calendar(ctx, p.ID, uri)
	if err != nil {
		t.Fatalf("calendar %s/%s: %v", user, uri, err)
	}
	objs, err := s.ListObjects(ctx, c.ID, &backend.ListOptions{WithData: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range objs {
		out[o.UID] = string(o.Data)
	}
	return out, c.Revision
}

// writeFile writes a test input and returns its path.
func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// vevent is a one-hour event as a VEVENT, LF-terminated.
func vevent(uid, start, summary string) string {
	return "BEGIN:VEVENT\nUID:" + uid + "\nDTSTAMP:20260101T000000Z\nDTSTART:" + start + "\nDURATION:PT1H\nSUMMARY:" + summary + "\nEND:VEVENT\n"
}

func vcalendar(body string) string {
	return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + body + "END:VCALENDAR\n"
}

// reportLines returns the lines of an import report starting with verb.
func reportLines(out, verb string) []string {
	var l []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, verb+" ") {
			l = append(l, line)
		}
	}
	return l
}

// roundTripObjects are what clients put in a calendar: a weekly series
// in a custom-written VTIMEZONE with an EXDATE and a moved occurrence,
// an all-day event, a long folded non-ASCII description in LF-only text,
// a zone given by name only (the server adds its VTIMEZONE), and an
// alarm. The attendees are on another server, so that nothing is
// delivered to a calendar here.
var roundTripObjects = map[string]string{
	"A8F1-CLIENT.ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS 14//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:19810329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:19961027T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\nUID:weekly@example.com\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20261201T090000\r\nDTEND;TZID=Europe/Berlin:20261201T100000\r\n" +
		"RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=Europe/Berlin:20261215T090000\r\nSUMMARY:Weekly\r\nORGANIZER;CN=Alice:mailto:alice@example.com\r\n" +
		"ATTENDEE;CN=Dan;PARTSTAT=ACCEPTED:mailto:dan@example.net\r\nATTENDEE:mailto:carol@example.net\r\nLOCATION:Room 1\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:weekly@example.com\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261222T090000\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART;TZID=Europe/Berlin:20261222T140000\r\nDTEND;TZID=Europe/Berlin:20261222T150000\r\nSUMMARY:Weekly (moved)\r\n" +
		"ORGANIZER;CN=Alice:mailto:alice@example.com\r\nATTENDEE;CN=Dan;PARTSTAT=ACCEPTED:mailto:dan@example.net\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	"b2.ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nBEGIN:VEVENT\r\nUID:allday@example.com\r\n" +
		"DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261226\r\nSUMMARY:Holidays\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	"0-zz.ics": "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\nBEGIN:VEVENT\nUID:notes@example.com\n" +
		"DTSTAMP:20260101T000000Z\nDTSTART:20261203T080000Z\nDTEND:20261203T083000Z\nSUMMARY:Réunion d'équipe\n" +
		"DESCRIPTION:Une description assez longue pour être pliée sur plusieurs lignes\n  selon la RFC 5545\\, avec des accents: é è à ç.\nEND:VEVENT\nEND:VCALENDAR\n",
	"zoned.ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//DAVx5//EN\r\nBEGIN:VEVENT\r\nUID:zoned@example.com\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART;TZID=America/New_York:20261204T090000\r\nDURATION:PT2H\r\nSUMMARY:New York\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n" +
		"TRIGGER:-PT15M\r\nDESCRIPTION:soon\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
}

// putObjects stores objects in user/calendar over real HTTP, as the
// clients that wrote them would, under the names they chose.
func putObjects(t *testing.T, vars map[string]string, user, calURI string, objs map[string]string) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(caldav.New(calendar.New(storeOf(t, vars), calendar.Options{}), caldav.Options{Logger: quiet}))
	defer srv.Close()
	for name, data := range objs {
		req, _ := http.NewRequest("PUT", srv.URL+"/dav/calendars/users/"+user+"/"+calURI+"/"+name, strings.NewReader(data))
		req.SetBasicAuth(user, "pw-long-enough")
		req.Header.Set("Content-Type", "text/calendar")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("PUT %s: %d %s", name, resp.StatusCode, body)
		}
	}
}

var dtstampLine = regexp.MustCompile(`(?m)^DTSTAMP[;:].*\r\n`)

// TestImportExportRoundTrip: a calendar filled by clients over HTTP,
// exported, imported into another user's empty calendar and exported
// again gives the same text, DTSTAMP lines aside; importing the export
// again changes nothing, not even the sync token.
func TestImportExportRoundTrip(t *testing.T) {
	for name, dsn := range testStores {
		t.Run(name, func(t *testing.T) {
			vars := newImportDB(t, dsn(t))
			putObjects(t, vars, "alice", "calendar", roundTripObjects)
			code, first, stderr := runCmd(t, "", vars, "export", "alice/calendar")
			if code != 0 {
				t.Fatalf("export: %d %s", code, stderr)
			}
			for _, uid := range []string{"weekly@example.com", "allday@example.com", "notes@example.com", "zoned@example.com"} {
				if !strings.Contains(first, "UID:"+uid+"\r\n") {
					t.Fatalf("export lacks %s:\n%s", uid, first)
				}
			}
			if !strings.Contains(first, "TZID:America/New_York\r\n") || strings.Count(first, "BEGIN:VTIMEZONE") != 2 {
				t.Fatalf("export should carry each VTIMEZONE once:\n%s", first)
			}
			file := writeFile(t, "alice.ics", first)
			code, out, stderr := runCmd(t, "", vars, "import", "bob/calendar", file)
			if code != 0 || len(reportLines(out, "created")) != 4 || !strings.Contains(out, "4 created, 0 updated, 0 unchanged, 0 rejected") {
				t.Fatalf("import: %d\n%s%s", code, out, stderr)
			}
			code, second, stderr := runCmd(t, "", vars, "export", "bob/calendar")
			if code != 0 {
				t.Fatalf("second export: %d %s", code, stderr)
			}
			if a, b := dtstampLine.ReplaceAllString(first, ""), dtstampLine.ReplaceAllString(second, ""); a != b {
				t.Fatalf("round trip differs:\n--- first\n%s\n--- second\n%s", a, b)
			}
			// Idempotent: the same file again reports every object
			// unchanged and does not move the sync token.
			s := storeOf(t, vars)
			before, rev := calendarState(t, s, "bob", "calendar")
			code, out, _ = runCmd(t, "", vars, "import", "bob/calendar", file)
			after, rev2 := calendarState(t, s, "bob", "calendar")
			if code != 0 || len(reportLines(out, "unchanged")) != 4 || !strings.Contains(out, "0 created, 0 updated, 4 unchanged, 0 rejected") {
				t.Fatalf("second import: %d\n%s", code, out)
			}
			if rev2 != rev || fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatalf("second import changed the calendar: revision %d → %d", rev, rev2)
			}
		})
	}
}

// TestImportReportsBadObjects: among good events, one whose DTSTART does
// not parse and one without DTSTART are rejected with the line of the
// file that is wrong (the property, or the component when the object as
// a whole is wrong); the others are stored, the exit status is 1, and a
// changed event is reported updated on the next import.
func TestImportReportsBadObjects(t *testing.T) {
	for name, dsn := range testStores {
		t.Run(name, func(t *testing.T) {
			vars := newImportDB(t, dsn(t))
			good := vevent("g1", "20261201T100000Z", "one") + vevent("g2", "20261202T100000Z", "two")
			bad := "BEGIN:VEVENT\nUID:bad-date\nDTSTAMP:20260101T000000Z\nDTSTART:20261341T100000Z\nEND:VEVENT\n" + // lines 18-22, DTSTART on 21
				"BEGIN:VEVENT\nUID:no-start\nDTSTAMP:20260101T000000Z\nSUMMARY:x\nEND:VEVENT\n" // lines 23-27
			file := writeFile(t, "mixed.ics", vcalendar(good+bad+vevent("g3", "20261203T100000Z", "three")))
			code, out, stderr := runCmd(t, "", vars, "import", "alice/calendar", file)
			if code != 1 || !strings.Contains(stderr, "2 of 5 objects rejected") {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			rej := reportLines(out, "rejected")
			if len(rej) != 2 || !strings.HasPrefix(rej[0], "rejected bad-date line 21: DTSTART") ||
				!strings.HasPrefix(rej[1], "rejected no-start line 23: VEVENT has no DTSTART") {
				t.Fatalf("rejections:\n%s", out)
			}
			objs, _ := calendarState(t, storeOf(t, vars), "alice", "calendar")
			if len(objs) != 3 || objs["g1"] == "" || objs["g2"] == "" || objs["g3"] == "" {
				t.Fatalf("stored: %v", objs)
			}
			changed := writeFile(t, "changed.ics", vcalendar(vevent("g1", "20261201T110000Z", "one, later")))
			code, out, _ = runCmd(t, "", vars, "import", "--quiet", "alice/calendar", changed)
			if code != 0 || out != "0 created, 1 updated, 0 unchanged, 0 rejected\n" {
				t.Fatalf("update with --quiet: %d %q", code, out)
			}
		})
	}
}

// TestImportTruncated: a file cut in its second VCALENDAR stores the
// objects of the complete first one and rejects those of the cut one,
// the half-written event included; a file cut in its only VCALENDAR
// stores nothing.
func TestImportTruncated(t *testing.T) {
	for name, dsn := range testStores {
		t.Run(name, func(t *testing.T) {
			vars := newImportDB(t, dsn(t))
			whole := vcalendar(vevent("t1", "20261201T100000Z", "one"))
			cut := "BEGIN:VCALENDAR\nVERSION:2.0\n" + vevent("t2", "20261202T100000Z", "two") + "BEGIN:VEVENT\nUID:t3\nDTSTAMP:2026"
			code, out, _ := runCmd(t, "", vars, "import", "alice/calendar", writeFile(t, "cut.ics", whole+cut))
			rej := reportLines(out, "rejected")
			if code != 1 || len(reportLines(out, "created")) != 1 || len(rej) != 2 ||
				!strings.Contains(rej[0], "t2 line 14: the VCALENDAR beginning on line 12 is not closed") ||
				!strings.Contains(rej[1], "t3 line 21: VEVENT beginning on line 21 has no END:VEVENT") {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			objs, _ := calendarState(t, storeOf(t, vars), "alice", "calendar")
			if len(objs) != 1 || objs["t1"] == "" {
				t.Fatalf("stored: %v", objs)
			}
			code, out, _ = runCmd(t, "", vars, "import", "bob/calendar", writeFile(t, "only.ics", cut))
			if code != 1 || len(reportLines(out, "rejected")) != 2 || len(reportLines(out, "created")) != 0 {
				t.Fatalf("cut only VCALENDAR: exit %d:\n%s", code, out)
			}
			if objs, _ := calendarState(t, storeOf(t, vars), "bob", "calendar"); len(objs) != 0 {
				t.Fatalf("stored from a cut file: %v", objs)
			}
		})
	}
}

// TestImportRefusals: a file that is not iCalendar (even after a good
// one, or on standard input), an unknown user or calendar stop the
// import with one line and exit status 1, and nothing is written: not
// even the calendar --create would have made.
func TestImportRefusals(t *testing.T) {
	for name, dsn := range testStores {
		t.Run(name, func(t *testing.T) {
			vars := newImportDB(t, dsn(t))
			good := writeFile(t, "good.ics", vcalendar(vevent("r1", "20261201T100000Z", "one")))
			notICS := writeFile(t, "notes.txt", "Shopping list\nmilk\n")
			for _, tc := range []struct {
				stdin string
				args  []string
				want  string
			}{
				{"", []string{"import", "--create", "alice/new", good, notICS}, "notes.txt: not iCalendar: line 1 does not begin a VCALENDAR"},
				{"PK\x03\x04binary", []string{"import", "alice/calendar"}, "standard input: not iCalendar"},
				{"", []string{"import", "alice/calendar", writeFile(t, "vcard.vcf", "BEGIN:VCARD\nFN:A\nEND:VCARD\n")}, `begins with "VCARD"`},
				{"", []string{"import", "alice/nope", good}, "no calendar alice/nope (--create creates it)"},
				{"", []string{"import", "alice/inbox", good}, "alice/inbox is a scheduling inbox, not a calendar"},
				{"", []string{"import", "zed/calendar", good}, `no user, room or resource named "zed"`},
				{"", []string{"import", "alice/calendar", filepath.Join(t.TempDir(), "missing.ics")}, "no such file"},
			} {
				code, out, stderr := runCmd(t, tc.stdin, vars, tc.args...)
				if code != 1 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || out != "" {
					t.Errorf("%v: exit %d, stdout %q, stderr %q; want one line with %q", tc.args, code, out, stderr, tc.want)
				}
			}
			s := storeOf(t, vars)
			p, _ := s.Principal(context.Background(), backend.KindUser, "alice")
			if _, err := s.Calendar(context.Background(), p.ID, "new"); err == nil {
				t.Error("--create made a calendar for an import that was refused")
			}
			if objs, rev := calendarState(t, s, "alice", "calendar"); len(objs) != 0 || rev != 0 {
				t.Errorf("refused imports wrote: %v (revision %d)", objs, rev)
			}
			// --create makes the calendar, named after its URL segment,
			// from standard input.
			code, out, stderr := runCmd(t, vcalendar(vevent("r1", "20261201T100000Z", "one")), vars, "import", "alice/imported", "--create")
			if code != 0 || !strings.Contains(out, "created calendar alice/imported") || !strings.Contains(out, "created r1 r1.ics") {
				t.Fatalf("--create: %d %q %q", code, out, stderr)
			}
			c, err := s.Calendar(context.Background(), p.ID, "imported")
			if err != nil || c.DisplayName != "imported" {
				t.Fatalf("created calendar: %+v %v", c, err)
			}
			// Without --components, it accepts the types the file holds.
			journal := "BEGIN:VJOURNAL\nUID:j1\nDTSTAMP:20260101T000000Z\nDTSTART;VALUE=DATE:20261201\nSUMMARY:notes\nEND:VJOURNAL\n"
			code, out, stderr = runCmd(t, vcalendar(journal+vevent("r2", "20261202T100000Z", "two")), vars, "import", "alice/mixed", "--create")
			if code != 0 || !strings.Contains(out, "created j1") || !strings.Contains(out, "created r2") {
				t.Fatalf("--create of a journal and an event: %d %q %q", code, out, stderr)
			}
			if c, err := s.Calendar(context.Background(), p.ID, "mixed"); err != nil || !reflect.DeepEqual(c.Components, []string{"VEVENT", "VJOURNAL"}) {
				t.Fatalf("created calendar's components: %+v %v, want VEVENT and VJOURNAL", c, err)
			}
		})
	}
}

// TestImportUsage: bad command lines exit 2 with the usage.
func TestImportUsage(t *testing.T) {
	vars := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t)}
	for _, args := range [][]string{
		{"import"},
		{"import", "alice"},
		{"import", "alice/a/b"},
		{"import", "--create", "alice/..", "x.ics"},
		{"import", "--components", "VCARD", "alice/calendar"},
		{"export"},
		{"export", "alice"},
		{"export", "alice/calendar", "--format", "pdf"},
		{"export", "alice/calendar", "--format", "csv", "--from", "2026-01-01"},
		{"export", "alice/calendar", "--from", "2026-02-01", "--to", "2026-01-01"},
		{"export", "alice/calendar", "--from", "next week"},
		{"export", "alice/calendar", "--tz", "Mars/Olympus"},
		{"export", "alice/calendar", "--dir", "x"},
		{"export", "alice", "--dir", "x", "--zip", "y.zip"},
	} {
		code, _, stderr := runCmd(t, "", vars, args...)
		if code != exitUsage || !strings.Contains(stderr, "Usage") {
			t.Errorf("kalends %v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// corpusDir finds the shared test corpus (or $KALENDS_CORPUS), read in
// place: its files keep their own licenses.
func corpusDir(t *testing.T) string {
	dir := os.Getenv("KALENDS_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus not found at %s", dir)
		}
		t.Skipf("corpus not found at %s (set KALENDS_CORPUS)", dir)
	}
	return dir
}

// expectedImport is what importing a valid corpus file must do, worked
// out with the in-memory reference (ParseStream, SplitByUID): the UIDs
// created (derived ones counted only), and the UIDs rejected because a
// calendar cannot store them: a VEVENT without DTSTART (iTIP replies and
// cancellations; RFC 5545 §3.6.1) or a second object of a UID (a VTODO
// sharing a VEVENT's; RFC 4791 §5.3.2.1).
func expectedImport(t *testing.T, data []byte) (created int, rejected map[string]int) {
	cals, err := ical.ParseStream(data)
	if err != nil && strings.Contains(err.Error(), "not VCALENDAR") {
		cals, err = ical.ParseStream(ical.WrapBareComponents(data))
	}
	if err != nil {
		t.Fatalf("reference parse: %v", err)
	}
	all := &goical.Calendar{Component: goical.NewComponent("VCALENDAR")}
	for _, c := range cals {
		all.Children = append(all.Children, c.Children...)
	}
	parts, err := ical.SplitByUID(all)
	if err != nil {
		t.Fatal(err)
	}
	rejected = map[string]int{}
	seen := map[string]bool{}
	for _, part := range parts {
		var comp *goical.Component
		for _, c := range part.Children {
			if c.Name != "VTIMEZONE" {
				comp = c
				break
			}
		}
		uid := ""
		if p := comp.Props.Get("UID"); p != nil {
			uid = strings.TrimSpace(p.Value)
		}
		noStart := false
		for _, c := range part.Children {
			noStart = noStart || c.Name == "VEVENT" && c.Props.Get("DTSTART") == nil
		}
		if uid != "" && seen[uid] || noStart {
			rejected[uid]++
		} else {
			created++
		}
		seen[uid] = true
	}
	return created, rejected
}

// TestImportCorpus imports every corpus file into a calendar of its own.
// A valid file stores exactly the objects the reference split says a
// calendar can hold and rejects the others by UID. A malformed file is
// reported (exit status 1, or a warning for what the import repaired or
// skipped), and what it rejects is not stored: stored objects are exactly
// those reported created.
func TestImportCorpus(t *testing.T) {
	dir := corpusDir(t)
	vars := newImportDB(t, testenv.SQLitePath(t))
	s := storeOf(t, vars)
	manifest, err := os.ReadFile(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	files, stored, partial := 0, 0, []string{}
	for i, row := range strings.Split(strings.TrimSpace(string(manifest)), "\n")[1:] {
		cols := strings.Split(row, "\t")
		name, validity := cols[0], cols[8]
		path := filepath.Join(dir, "ics", name)
		cal := fmt.Sprintf("c%d", i)
		code, out, stderr := runCmd(t, "", vars, "import", "--create", "--components", "VEVENT,VTODO,VJOURNAL,VFREEBUSY,VAVAILABILITY", "alice/"+cal, path)
		created := len(reportLines(out, "created")) - 1 // "created calendar"
		var rejectedUIDs []string
		for _, l := range reportLines(out, "rejected") {
			rejectedUIDs = append(rejectedUIDs, strings.Fields(l)[1])
			if !regexp.MustCompile(`^rejected \S+ line [1-9][0-9]*: .`).MatchString(l) {
				t.Errorf("%s: rejection without a line: %q", name, l)
			}
		}
		objs := map[string]string{}
		if created >= 0 {
			objs, _ = calendarState(t, s, "alice", cal)
		}
		if len(objs) != max(created, 0) {
			t.Errorf("%s: %d objects stored, %d reported created", name, len(objs), created)
		}
		createdUIDs := map[string]bool{}
		for _, l := range reportLines(out, "created") {
			createdUIDs[strings.Fields(l)[1]] = true
		}
		for _, uid := range rejectedUIDs {
			// A second object of a stored UID is rejected; the first stays.
			if objs[uid] != "" && !createdUIDs[uid] {
				t.Errorf("%s: rejected %s is stored", name, uid)
			}
		}
		stored += len(objs)
		files++
		if refusedTimezone[name] {
			// A TZID naming no zone, without VTIMEZONE: refused with
			// valid-timezone (RFC 7809), as ical's refusedValid says.
			if created != 0 || len(rejectedUIDs) == 0 || !strings.Contains(out, "TZID") {
				t.Errorf("%s: exit %d, %d created, rejected %v; want every object refused for its TZID\n%s%s", name, code, created, rejectedUIDs, out, stderr)
			}
			continue
		}
		if validity == "valid" {
			data, _ := os.ReadFile(path)
			wantCreated, wantRejected := expectedImport(t, data)
			got := map[string]int{}
			for _, uid := range rejectedUIDs {
				if strings.HasPrefix(uid, "import-") {
					uid = "" // derived: the reference has none
				}
				got[uid]++
			}
			if created != wantCreated || !reflect.DeepEqual(got, wantRejected) || code != 0 && len(wantRejected) == 0 {
				t.Errorf("%s: exit %d, %d created (want %d), rejected %v (want %v)\n%s%s", name, code, created, wantCreated, got, wantRejected, out, stderr)
			}
			continue
		}
		if code != 1 && !strings.Contains(stderr, "warning:") {
			t.Errorf("malformed %s: not reported (exit %d)\n%s%s", name, code, out, stderr)
		}
		if created > 0 {
			partial = append(partial, fmt.Sprintf("%s (%d stored, %d rejected)", name, created, len(rejectedUIDs)))
		}
	}
	t.Logf("%d files imported, %d objects stored; malformed files with good objects stored beside the reported bad ones: %s",
		files, stored, strings.Join(partial, ", "))
}

// refusedTimezone are the valid corpus files (khal's fixtures for unknown
// zones) whose TZID names no zone and has no VTIMEZONE.
var refusedTimezone = map[string]bool{
	"khal__event_dt_local_missing_tz.ics":       true,
	"khal__event_dtr_no_tz_exdatez.ics":         true,
	"khal__event_rrule_recuid_invalid_tzid.ics": true,
}
