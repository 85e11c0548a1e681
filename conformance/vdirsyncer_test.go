package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/kalends/kalends/internal/testenv"
)

// vdsTimeout bounds one vdirsyncer command (discover or sync).
const vdsTimeout = 2 * time.Minute

// UIDs of the objects the vdirsyncer test stores. The first three come from
// testdata/ (single.ics, recurring.ics, todo.ics).
const (
	vdsSingleUID    = "single-1@kalends.test"
	vdsRecurringUID = "recurring-1@kalends.test"
	vdsTodoUID      = "todo-1@kalends.test"
	vdsServerUID    = "server-created-1@kalends.test"
)

// vdsRun is one vdirsyncer set-up: a config pairing a directory of .ics
// files (storage a) with a user's CalDAV account on the server (storage b).
type vdsRun struct {
	bin    string
	dir    string // temp dir holding config, status/ and local/
	config string // path of the config file
	local  string // the filesystem storage: one directory per collection
	logs   []string
}

// newVdsRun writes the config for user on srv into a fresh temp dir.
func newVdsRun(t *testing.T, bin string, srv *server, user string) *vdsRun {
	t.Helper()
	dir := t.TempDir()
	v := &vdsRun{bin: bin, dir: dir, config: filepath.Join(dir, "config"), local: filepath.Join(dir, "local")}
	// vdirsyncer parses every value as JSON.
	q := func(s string) string {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cfg := fmt.Sprintf(`[general]
status_path = %s

[pair kalends]
a = "kalends_local"
b = "kalends_remote"
collections = ["from a", "from b"]
conflict_resolution = "a wins"

[storage kalends_local]
type = "filesystem"
path = %s
fileext = ".ics"

[storage kalends_remote]
type = "caldav"
url = %s
username = %s
password = %s
`, q(filepath.Join(dir, "status")+"/"), q(v.local+"/"), q(srv.url("/")), q(user), q(srv.users[user]))
	if err := os.WriteFile(v.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- vdirsyncer runs ---\n%s", strings.Join(v.logs, "\n"))
		}
	})
	return v
}

// run runs `vdirsyncer --verbosity debug -c CONFIG args...` with stdin, and
// fails the test if it does not exit 0. The debug output (HTTP traffic
// included) is logged when the test fails.
func (v *vdsRun) run(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), vdsTimeout)
	defer cancel()
	argv := append([]string{"--verbosity", "debug", "-c", v.config}, args...)
	cmd := exec.CommandContext(ctx, v.bin, argv...)
	cmd.Dir = v.dir
	env := []string{"HOME=" + v.dir, "XDG_CONFIG_HOME=" + v.dir, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "LC_ALL=C.UTF-8"}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HOME", "XDG_CONFIG_HOME", "VDIRSYNCER_CONFIG", "NO_PROXY", "LC_ALL",
			"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY":
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	v.logs = append(v.logs, fmt.Sprintf("$ vdirsyncer %s\n%s", strings.Join(args, " "), out))
	if ctx.Err() != nil {
		t.Fatalf("vdirsyncer %s: timed out after %v\n%s", strings.Join(args, " "), vdsTimeout, out)
	}
	if err != nil {
		t.Fatalf("vdirsyncer %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// vdsObject is one calendar object, on the server or in a local file.
type vdsObject struct {
	name string // href on the server, file name locally
	etag string // server only
	data string
	cal  *ical.Calendar
}

// prop returns the value of property name of the component carrying the
// UID, or "" when it has none.
func (o *vdsObject) prop(name string) string {
	for _, c := range o.cal.Children {
		if c.Props.Get(ical.PropUID) == nil {
			continue
		}
		if p := c.Props.Get(name); p != nil {
			return p.Value
		}
		return ""
	}
	return ""
}

// vdsParse parses an object and files it under its UID, failing on a
// duplicate UID.
func vdsParse(t *testing.T, into map[string]*vdsObject, o *vdsObject) {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(o.data)).Decode()
	if err != nil {
		t.Fatalf("%s: not iCalendar: %v\n%s", o.name, err, o.data)
	}
	o.cal = cal
	uid := objectUID(cal)
	if uid == "" {
		t.Fatalf("%s: no UID\n%s", o.name, o.data)
	}
	if prev := into[uid]; prev != nil {
		t.Fatalf("UID %s held by both %s and %s", uid, prev.name, o.name)
	}
	into[uid] = o
}

// vdsServerObjects lists a calendar of user on the server by calendar-query
// (RFC 4791 §7.8), keyed by UID.
func vdsServerObjects(t *testing.T, srv *server, user, cal string) map[string]*vdsObject {
	t.Helper()
	body := `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"/></C:filter>
</C:calendar-query>`
	ms := decodeMultistatus(t, srv.report(t, user, calendarPath(user, cal), "1", body))
	out := map[string]*vdsObject{}
	for i := range ms.Responses {
		r := &ms.Responses[i]
		data, st := r.prop(caldavName("calendar-data"))
		if st != http.StatusOK {
			t.Fatalf("calendar-query of %s: %s has calendar-data status %d", cal, r.href(), st)
		}
		etag, _ := r.prop(davName("getetag"))
		o := &vdsObject{name: r.href(), data: data.Text}
		if etag != nil {
			o.etag = strings.TrimSpace(etag.Text)
		}
		vdsParse(t, out, o)
	}
	return out
}

// vdsLocalObjects reads the .ics files of one local collection, keyed by UID.
func vdsLocalObjects(t *testing.T, dir string) map[string]*vdsObject {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*vdsObject{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".ics") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		vdsParse(t, out, &vdsObject{name: e.Name(), data: string(b)})
	}
	return out
}

// vdsSnapshot records every file under dir with its size, mtime and
// content, to show that a sync touched nothing.
func vdsSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[rel] = fmt.Sprintf("%d %s\n%s", fi.Size(), fi.ModTime().Format(time.RFC3339Nano), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// vdsSyncToken returns the DAV:sync-token of a calendar (RFC 6578 §4).
func vdsSyncToken(t *testing.T, srv *server, user, cal string) string {
	t.Helper()
	ms := decodeMultistatus(t, srv.propfind(t, user, calendarPath(user, cal), "0", propfindBody(davName("sync-token"))))
	if len(ms.Responses) != 1 {
		t.Fatalf("PROPFIND sync-token of %s: %d responses", cal, len(ms.Responses))
	}
	return strings.TrimSpace(wantProp(t, &ms.Responses[0], davName("sync-token")).Text)
}

// vdsWantUIDs fails unless objs holds exactly the UIDs want.
func vdsWantUIDs(t *testing.T, where string, objs map[string]*vdsObject, want ...string) bool {
	t.Helper()
	got := slices.Sorted(maps.Keys(objs))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s holds UIDs %v, want %v", where, got, want)
		return false
	}
	return true
}

// vdsWantProp fails unless the object for uid has property name = want.
func vdsWantProp(t *testing.T, where string, objs map[string]*vdsObject, uid, name, want string) {
	t.Helper()
	o := objs[uid]
	if o == nil {
		t.Errorf("%s: no object with UID %s", where, uid)
		return
	}
	if got := o.prop(name); got != want {
		t.Errorf("%s: %s of %s (%s) is %q, want %q\n%s", where, name, uid, o.name, got, want, o.data)
	}
}

// TestVdirsyncer drives vdirsyncer (Debian package) between a directory of
// .ics files and alice's account: discovery from the server root (RFC 6764
// §6, RFC 5397, RFC 4791 §6.2.1), upload of single, recurring and VTODO
// objects (RFC 4791 §5.3.2), server-side changes, deletions and creations
// picked up (calendar-query/multiget, ETags), a local edit uploaded with
// If-Match (RFC 9110 §13.1.1), and a sync with nothing to do changing
// nothing on either side.
func TestVdirsyncer(t *testing.T) {
	bin := testenv.Command(t, "vdirsyncer")
	forEachStore(t, func(t *testing.T, srv *server) {
		const user = "alice"
		v := newVdsRun(t, bin, srv, user)
		localCal := filepath.Join(v.local, "calendar")
		localTasks := filepath.Join(v.local, "tasks")

		// 1. Discovery: vdirsyncer finds the home by itself and offers
		// to create the missing local collections.
		v.run(t, strings.Repeat("y\n", 20), "discover", "kalends")
		v.run(t, "", "sync")
		entries, err := os.ReadDir(v.local)
		if err != nil {
			t.Fatalf("after discover and sync: %v", err)
		}
		var dirs []string
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, e.Name())
			}
		}
		if !slices.Equal(dirs, []string{"calendar", "tasks"}) {
			t.Fatalf("local collections after discover %v, want [calendar tasks]", dirs)
		}
		vdsWantUIDs(t, "local calendar after the first sync", vdsLocalObjects(t, localCal))
		vdsWantUIDs(t, "local tasks after the first sync", vdsLocalObjects(t, localTasks))

		// 2. Local → server: three new files.
		for _, f := range []struct{ src, dir, name string }{
			{"single.ics", localCal, "my-single.ics"},
			{"recurring.ics", localCal, "my-recurring.ics"},
			{"todo.ics", localTasks, "my-todo.ics"},
		} {
			if err := os.WriteFile(filepath.Join(f.dir, f.name), []byte(crlf(readTestdata(t, f.src))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		v.run(t, "", "sync")
		srvCal := vdsServerObjects(t, srv, user, "calendar")
		srvTasks := vdsServerObjects(t, srv, user, "tasks")
		vdsWantUIDs(t, "server calendar after the upload", srvCal, vdsSingleUID, vdsRecurringUID)
		vdsWantUIDs(t, "server tasks after the upload", srvTasks, vdsTodoUID)
		vdsWantProp(t, "server calendar", srvCal, vdsSingleUID, ical.PropSummary, "Single event")
		vdsWantProp(t, "server calendar", srvCal, vdsRecurringUID, ical.PropRecurrenceRule, "FREQ=DAILY;COUNT=5")
		vdsWantProp(t, "server calendar", srvCal, vdsRecurringUID, ical.PropExceptionDates, "20260304T120000Z")
		vdsWantProp(t, "server tasks", srvTasks, vdsTodoUID, ical.PropSummary, "File the report")
		if t.Failed() {
			t.FailNow()
		}

		// 3. Server → local: change the single event (If-Match), delete
		// the recurring one, create a new one.
		single := srvCal[vdsSingleUID]
		changed := icsEvent(vdsSingleUID, "DTSTART:20260302T090000Z", "DTEND:20260302T110000Z",
			"SUMMARY:Single event, changed on the server")
		srv.putICS(t, user, single.name, changed, map[string]string{"If-Match": single.etag}).expect(t, http.StatusNoContent)
		rec := srvCal[vdsRecurringUID]
		srv.do(t, request{method: http.MethodDelete, path: rec.name, user: user,
			header: map[string]string{"If-Match": rec.etag}}).expect(t, http.StatusNoContent)
		created := icsEvent(vdsServerUID, "DTSTART:20260310T080000Z", "DTEND:20260310T090000Z",
			"SUMMARY:Created on the server")
		srv.putICS(t, user, calendarPath(user, "calendar")+"server-created-1.ics", created,
			map[string]string{"If-None-Match": "*"}).expect(t, http.StatusCreated)
		if t.Failed() {
			t.FailNow()
		}
		v.run(t, "", "sync")
		locCal := vdsLocalObjects(t, localCal)
		locTasks := vdsLocalObjects(t, localTasks)
		vdsWantUIDs(t, "local calendar after the server's changes", locCal, vdsSingleUID, vdsServerUID)
		vdsWantProp(t, "local calendar", locCal, vdsSingleUID, ical.PropSummary, "Single event, changed on the server")
		vdsWantProp(t, "local calendar", locCal, vdsSingleUID, ical.PropDateTimeEnd, "20260302T110000Z")
		vdsWantProp(t, "local calendar", locCal, vdsServerUID, ical.PropSummary, "Created on the server")
		vdsWantUIDs(t, "local tasks after the server's changes", locTasks, vdsTodoUID)
		if t.Failed() {
			t.FailNow()
		}

		// 4. Local edit → server: the VTODO completed locally.
		todo := locTasks[vdsTodoUID]
		edited := strings.Replace(todo.data, "SUMMARY:File the report", "SUMMARY:File the report, edited locally", 1)
		edited = strings.Replace(edited, "STATUS:NEEDS-ACTION", "STATUS:COMPLETED", 1)
		if edited == todo.data || !strings.Contains(edited, "STATUS:COMPLETED") {
			t.Fatalf("local %s does not read as expected:\n%s", todo.name, todo.data)
		}
		if err := os.WriteFile(filepath.Join(localTasks, todo.name), []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		etagBefore := vdsServerObjects(t, srv, user, "tasks")[vdsTodoUID].etag
		v.run(t, "", "sync")
		srvTasks = vdsServerObjects(t, srv, user, "tasks")
		vdsWantUIDs(t, "server tasks after the local edit", srvTasks, vdsTodoUID)
		vdsWantProp(t, "server tasks", srvTasks, vdsTodoUID, ical.PropSummary, "File the report, edited locally")
		vdsWantProp(t, "server tasks", srvTasks, vdsTodoUID, ical.PropStatus, "COMPLETED")
		if o := srvTasks[vdsTodoUID]; o != nil && o.etag == etagBefore {
			t.Errorf("server tasks: the ETag of %s did not change after the edit (%s)", o.name, o.etag)
		}
		srvCal = vdsServerObjects(t, srv, user, "calendar")
		vdsWantUIDs(t, "server calendar after the local edit", srvCal, vdsSingleUID, vdsServerUID)
		if t.Failed() {
			t.FailNow()
		}

		// Nothing to do: a further sync changes neither side.
		tokens := map[string]string{}
		for _, cal := range []string{"calendar", "tasks"} {
			tokens[cal] = vdsSyncToken(t, srv, user, cal)
		}
		before := vdsSnapshot(t, v.local)
		v.run(t, "", "sync")
		for _, cal := range []string{"calendar", "tasks"} {
			if got := vdsSyncToken(t, srv, user, cal); got != tokens[cal] {
				t.Errorf("a sync with nothing to do changed the server's %s: sync-token %s → %s", cal, tokens[cal], got)
			}
		}
		if after := vdsSnapshot(t, v.local); !maps.Equal(before, after) {
			t.Errorf("a sync with nothing to do changed the local files:\nbefore %v\nafter  %v",
				slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
		}
		after := vdsServerObjects(t, srv, user, "calendar")
		for uid, o := range srvCal {
			if a := after[uid]; a == nil || a.etag != o.etag {
				t.Errorf("a sync with nothing to do changed %s on the server", o.name)
			}
		}
	})
}
