package conformance

import (
	"context"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/kalends/kalends/internal/testenv"
)

// importTimeout bounds one `kalends import` run.
const importTimeout = 5 * time.Minute

// davSource is a real CalDAV server started for a migration test, driven
// through the same request helpers as Kalends (a server value whose base
// is the source).
type davSource struct {
	*server
	name    string // "radicale" or "xandikos"
	user    string // the account's user, "" when the server has no login
	home    string // the account's calendar home path
	account string // the URL given to kalends import --from
}

// startProcess runs a source server on 127.0.0.1:port and waits until it
// accepts connections; it is stopped (SIGTERM, by its PID) when t ends.
func startProcess(t *testing.T, name string, port int, dir string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), serverLifetime)
	cmd := exec.CommandContext(ctx, testenv.Command(t, name), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir)
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopTimeout
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", name, log)
		}
	})
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case err := <-done:
			t.Fatalf("%s exited before listening: %v\n%s", name, err, log)
		default:
		}
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on port %d within %v\n%s", name, port, startTimeout, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startRadicale runs Radicale with htpasswd (plain) authentication, user
// alice, storage in a temp dir.
func startRadicale(t *testing.T) *davSource {
	t.Helper()
	dir, port := t.TempDir(), testenv.FreePort(t)
	pw := "radicale-pw"
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "users"), []byte("alice:"+pw+"\n"), 0o600))
	cfg := fmt.Sprintf(`[server]
hosts = 127.0.0.1:%d
[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
[rights]
type = owner_only
[storage]
filesystem_folder = %s
[logging]
level = warning
`, port, filepath.Join(dir, "users"), filepath.Join(dir, "collections"))
	must(os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600))
	startProcess(t, "radicale", port, dir, "--config", filepath.Join(dir, "config"))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	return &davSource{server: &server{store: "radicale", base: base, users: map[string]string{"alice": pw}, stderr: &syncBuffer{}},
		name: "radicale", user: "alice", home: "/alice/", account: base + "/"}
}

// startXandikos runs Xandikos with its default user calendar; it has no
// login.
func startXandikos(t *testing.T) *davSource {
	t.Helper()
	dir, port := t.TempDir(), testenv.FreePort(t)
	startProcess(t, "xandikos", port, dir, "--defaults", "-d", filepath.Join(dir, "data"),
		"-l", "127.0.0.1", "-p", fmt.Sprint(port))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	return &davSource{server: &server{store: "xandikos", base: base, users: map[string]string{"": ""}, stderr: &syncBuffer{}},
		name: "xandikos", home: "/user/calendars/", account: base + "/"}
}

// TestImportFromRadicale and TestImportFromXandikos migrate an account of
// a real CalDAV server into a fresh Kalends user on both stores, then
// re-run the migration after changes on the source (RFC 6578
// sync-collection) and with none.
func TestImportFromRadicale(t *testing.T) {
	testenv.Command(t, "radicale")
	forEachStore(t, func(t *testing.T, srv *server) { testImportFrom(t, srv, startRadicale(t)) })
}

func TestImportFromXandikos(t *testing.T) {
	testenv.Command(t, "xandikos")
	forEachStore(t, func(t *testing.T, srv *server) { testImportFrom(t, srv, startXandikos(t)) })
}

const (
	importColor       = "#2952A3FF"
	importDescription = "Things at work"
)

func testImportFrom(t *testing.T, srv *server, src *davSource) {
	work, corpus := src.home+"work/", src.home+"corpus/"
	src.mkcalendar(t, work, "Work")
	src.mkcalendar(t, corpus, "Corpus")
	src.do(t, request{method: "PROPPATCH", path: work, user: src.user, header: map[string]string{"Content-Type": "application/xml"},
		body: `<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/"><D:set><D:prop>
<A:calendar-color>` + importColor + `</A:calendar-color><C:calendar-description>` + importDescription + `</C:calendar-description>
</D:prop></D:set></D:propertyupdate>`}).expect(t, 207)
	for i := 1; i <= 3; i++ {
		uid := fmt.Sprintf("work-%d@kalends.test", i)
		src.putICS(t, src.user, fmt.Sprintf("%sw%d.ics", work, i), icsEvent(uid, "DTSTART:20260302T090000Z", "SUMMARY:first"), nil).expect(t, 201)
	}
	put, refused := src.putCorpus(t, srv, corpus)
	// What the source holds is counted from the source: it may store
	// fewer resources than it acknowledged, and rewrite what it stores.
	held := calendarObjects(t, src.server, src.user, corpus)
	bad := srv.refusedByKalends(t, held)
	t.Logf("%s acknowledged %d corpus PUTs, refused %d; it holds %d objects, %d of which Kalends refuses as stored",
		src.name, put, refused, len(held), len(bad))
	if len(held) < 100 {
		t.Fatalf("%s holds only %d corpus objects", src.name, len(held))
	}
	exit := 0
	if len(bad) > 0 {
		exit = 1 // kalends import exits 1 when it rejected anything
	}
	good := len(held) - len(bad)
	corpusLine := func(created, unchanged int) string {
		return fmt.Sprintf("%d created, 0 updated, %d unchanged, 0 deleted, %d rejected", created, unchanged, len(bad))
	}

	srv.addUser(t, "carol")
	out := srv.importFrom(t, src, exit)
	t.Logf("first run:\n%s", out)
	wantLine(t, out, corpusLine(good, 0))
	wantLine(t, out, "3 created, 0 updated, 0 unchanged, 0 deleted, 0 rejected")
	for _, href := range bad {
		if !strings.Contains(out, "  rejected "+href+": ") {
			t.Errorf("the report does not name %s as rejected", href)
		}
	}
	srv.compareCalendars(t, src, work, "work", nil)
	srv.compareCalendars(t, src, corpus, "corpus", bad)
	// The calendar properties the source holds (Xandikos 0.2.8 answers
	// 409 to a PROPPATCH of calendar-description) are copied; display
	// name and colour are held by both servers.
	propNames := []xml.Name{davName("displayname"), icalName("calendar-color"), caldavName("calendar-description")}
	srcProps := decodeMultistatus(t, src.propfind(t, src.user, work, "0", propfindBody(propNames...))).byHref(work)
	got := decodeMultistatus(t, srv.propfind(t, "carol", calendarPath("carol", "work"), "0", propfindBody(propNames...))).
		byHref(calendarPath("carol", "work"))
	for i, n := range propNames {
		w, st := srcProps.prop(n)
		if st != 200 || strings.TrimSpace(w.Text) == "" {
			if i < 2 {
				t.Errorf("%s does not hold the %s it was given", src.name, n.Local)
			}
			continue
		}
		if g := wantProp(t, got, n); strings.TrimSpace(g.Text) != strings.TrimSpace(w.Text) {
			t.Errorf("%s: %s = %q in Kalends, %q on the source", src.name, n.Local, g.Text, w.Text)
		}
	}

	// One modified, one added, one deleted.
	src.putICS(t, src.user, work+"w1.ics", icsEvent("work-1@kalends.test", "DTSTART:20260302T090000Z", "SUMMARY:second"), nil)
	src.putICS(t, src.user, work+"w4.ics", icsEvent("work-4@kalends.test", "DTSTART:20260303T090000Z", "SUMMARY:new"), nil).expect(t, 201)
	if st := src.do(t, request{method: "DELETE", path: work + "w2.ics", user: src.user}).Status; st/100 != 2 {
		t.Fatalf("DELETE on %s: %d", src.name, st)
	}
	out = srv.importFrom(t, src, exit)
	t.Logf("run after changes:\n%s", out)
	wantLine(t, out, "1 created, 1 updated, 1 unchanged, 1 deleted, 0 rejected")
	wantLine(t, out, corpusLine(0, good))
	srv.compareCalendars(t, src, work, "work", nil)

	tokens := srv.syncTokens(t, "carol")
	out = srv.importFrom(t, src, exit)
	wantLine(t, out, "0 created, 0 updated, 3 unchanged, 0 deleted, 0 rejected")
	wantLine(t, out, corpusLine(0, good))
	if after := srv.syncTokens(t, "carol"); !reflect.DeepEqual(after, tokens) {
		t.Errorf("a run with no change moved sync-tokens: %v → %v", tokens, after)
	}
}

func wantLine(t *testing.T, out, line string) {
	t.Helper()
	if !strings.Contains(out, "  "+line+"\n") {
		t.Errorf("the report has no line %q:\n%s", line, out)
	}
}

// mkcalendar creates a calendar collection on the source (RFC 4791 §5.3.1).
func (s *davSource) mkcalendar(t *testing.T, path, name string) {
	t.Helper()
	s.do(t, request{method: "MKCALENDAR", path: path, user: s.user, header: map[string]string{"Content-Type": "application/xml"},
		body: `<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>` + name +
			`</D:displayname></D:prop></D:set></C:mkcalendar>`}).expect(t, 201)
}

// putCorpus PUTs the valid corpus files, split into one resource per UID
// as a client importing them does, and counts what the source accepted.
// Only parts that Kalends itself accepts by PUT (into a scratch calendar
// of bob's on kalends) go to the source: the import must then copy every
// one of them.
func (s *davSource) putCorpus(t *testing.T, kalends *server, cal string) (put, refused int) {
	t.Helper()
	dir := corpusDir(t)
	scratch := calendarPath("bob", "scratch")
	kalends.do(t, request{method: "MKCALENDAR", path: scratch, user: "bob", header: map[string]string{"Content-Type": "application/xml"},
		body: allComponentsCalendar}).expect(t, 201)
	for _, row := range readCorpusManifest(t, dir) {
		if row.validity != "valid" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, "ics", row.file))
		if err != nil {
			t.Fatal(err)
		}
		parts, err := splitSafely(data, row.file)
		if err != nil {
			continue
		}
		for i, p := range parts {
			if p.refusal != "" {
				continue
			}
			file := fmt.Sprintf("%s-%d.ics", strings.TrimSuffix(row.file, ".ics"), i)
			if kalends.putICS(t, "bob", scratch+file, p.body, nil).Status/100 != 2 {
				continue
			}
			name := cal + file
			if st := s.putICS(t, s.user, name, p.body, nil).Status; st/100 == 2 {
				put++
			} else {
				refused++
			}
		}
	}
	return put, refused
}

// splitSafely is splitForUpload for any file: go-ical panics on a few
// valid ones (a parameter at the end of a line), which are left out.
func splitSafely(data []byte, file string) (parts []uploadPart, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("go-ical: %v", r)
		}
	}()
	return splitForUpload(data, file)
}

// importFrom runs `kalends import --from` into carol and returns its
// standard output, failing unless it exits with want.
func (s *server) importFrom(t *testing.T, src *davSource, want int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), importTimeout)
	defer cancel()
	args := []string{"import", "--from", src.account, "--user", "carol", "--database", s.database}
	if src.user != "" {
		args = append(args, "--source-user", src.user)
	}
	cmd := exec.CommandContext(ctx, kalendsBin, args...)
	cmd.Env = append(kalendsEnv(), "KALENDS_SOURCE_PASSWORD="+src.users[src.user])
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != want {
		t.Fatalf("kalends %s: exit %d (%v), want %d\n%s%s", strings.Join(args, " "), code, err, want, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// calendarObjects reads every object of a calendar by calendar-query
// (RFC 4791 §7.8), keyed by UID.
func calendarObjects(t *testing.T, s *server, user, path string) map[string]icsObject {
	t.Helper()
	body := `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`
	ms := decodeMultistatus(t, s.report(t, user, path, "1", body))
	out := map[string]icsObject{}
	for i := range ms.Responses {
		data, st := ms.Responses[i].prop(caldavName("calendar-data"))
		if st != 200 {
			t.Fatalf("%s: calendar-data of %s has status %d", path, ms.Responses[i].href(), st)
		}
		cal := parseICS(t, data.Text)
		out[objectUID(cal)] = icsObject{cal, data.Text, ms.Responses[i].href()}
	}
	return out
}

// icsObject is a calendar object as read and as parsed.
type icsObject struct {
	cal  *ical.Calendar
	text string
	href string
}

// refusedByKalends PUTs each object as the source stores it into a
// scratch calendar of bob's on Kalends and returns the hrefs of those
// Kalends refuses: an import must report exactly those as rejected.
func (s *server) refusedByKalends(t *testing.T, objs map[string]icsObject) []string {
	t.Helper()
	check := calendarPath("bob", "check")
	s.do(t, request{method: "MKCALENDAR", path: check, user: "bob", header: map[string]string{"Content-Type": "application/xml"},
		body: allComponentsCalendar}).expect(t, 201)
	var bad []string
	for _, o := range objs {
		if s.putICS(t, "bob", check+path.Base(o.href), crlf(o.text), nil).Status/100 != 2 {
			bad = append(bad, o.href)
		}
	}
	return bad
}

// allComponentsCalendar is an MKCALENDAR body for a calendar taking every
// component type Kalends stores.
const allComponentsCalendar = `<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><C:supported-calendar-component-set>
<C:comp name="VEVENT"/><C:comp name="VTODO"/><C:comp name="VJOURNAL"/><C:comp name="VFREEBUSY"/><C:comp name="VAVAILABILITY"/>
</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>`

// compareCalendars checks that Kalends' calendar holds every object of
// the source calendar but those at the hrefs rejected, same UID, same
// components and properties.
func (s *server) compareCalendars(t *testing.T, src *davSource, srcPath, cal string, rejected []string) {
	t.Helper()
	want := calendarObjects(t, src.server, src.user, srcPath)
	for uid, o := range want {
		if slices.Contains(rejected, o.href) {
			delete(want, uid)
		}
	}
	got := calendarObjects(t, s, "carol", calendarPath("carol", cal))
	if len(got) != len(want) {
		t.Errorf("%s: Kalends' %s holds %d objects, the source %d (less %d rejected)", src.name, cal, len(got), len(want), len(rejected))
	}
	for uid, w := range want {
		g, ok := got[uid]
		if !ok {
			t.Errorf("%s: UID %s of %s is missing in Kalends", src.name, uid, srcPath)
			continue
		}
		if !sameObject(w.cal, g.cal) {
			t.Errorf("%s: UID %s differs:\nsource:\n%s\nkalends:\n%s", src.name, uid, w.text, g.text)
		}
	}
}

// sameObject reports whether Kalends' copy got holds what the source's
// want does: the same VCALENDAR properties and components, each with the
// same properties. Two differences are allowed, the repairs Kalends makes
// to what it stores: a VTIMEZONE added for a TZID the source left without
// one (Radicale drops the VTIMEZONEs of names it does not know, such as
// Windows zone names; RFC 5545 §3.6.5 requires one per TZID), and the
// DTSTAMP added to a component that had none (Xandikos keeps what
// Thunderbird and khal write without it; RFC 5545 §3.6.1 requires it).
func sameObject(want, got *ical.Calendar) bool {
	if !reflect.DeepEqual(want.Props, got.Props) {
		return false
	}
	var extra []*ical.Component
	i := 0
	for _, g := range got.Children {
		if i < len(want.Children) && reflect.DeepEqual(want.Children[i], withoutAddedDTSTAMP(want.Children[i], g)) {
			i++
			continue
		}
		extra = append(extra, g)
	}
	if i != len(want.Children) {
		return false
	}
	for _, e := range extra {
		if e.Name != ical.CompTimezone {
			return false
		}
		for _, w := range want.Children {
			if w.Name == ical.CompTimezone && reflect.DeepEqual(w.Props.Get(ical.PropTimezoneID), e.Props.Get(ical.PropTimezoneID)) {
				return false // the source had its own VTIMEZONE of that name
			}
		}
	}
	return true
}

// syncTokens returns the DAV:sync-token of each of user's collections.
func (s *server) syncTokens(t *testing.T, user string) map[string]string {
	t.Helper()
	ms := decodeMultistatus(t, s.propfind(t, user, homePath(user), "1", propfindBody(davName("sync-token"))))
	out := map[string]string{}
	for i := range ms.Responses {
		if p, st := ms.Responses[i].prop(davName("sync-token")); st == 200 {
			out[ms.Responses[i].href()] = strings.TrimSpace(p.Text)
		}
	}
	return out
}

// withoutAddedDTSTAMP returns got without the DTSTAMP Kalends added when
// want, the source's component, has none; got itself otherwise.
func withoutAddedDTSTAMP(want, got *ical.Component) *ical.Component {
	if want.Props.Get(ical.PropDateTimeStamp) != nil || got.Props.Get(ical.PropDateTimeStamp) == nil {
		return got
	}
	c := *got
	c.Props = ical.Props{}
	for name, ps := range got.Props {
		if name != ical.PropDateTimeStamp {
			c.Props[name] = ps
		}
	}
	return &c
}
