package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/internal/testenv"
)

// TestExpandCrossCheck checks calendar-query expand (RFC 4791 §9.6.5)
// against an independent implementation: for every valid corpus file with
// recurrence (RRULE, RDATE or RECURRENCE-ID in MANIFEST.tsv's features),
// the UTC starts of the instances the server returns, per UID, must equal
// those python-recurring-ical-events (Debian's
// python3-recurring-ical-events) finds in the same file over the same
// window.
//
// Each file is split into one resource per UID as an importing client does
// (splitForUpload), PUT into a calendar of its own, and queried with
// <C:expand> over ten years from January 1 of the year of its earliest
// start (the window testdata/expand_crosscheck.py computes; the script also
// expands the whole file, all in one python run shared by both stores).
// Starts within two days of either edge are not compared, since the two
// sides bound windows slightly differently, as in ical/crosscheck_test.go.
//
// The server's expansion is ical.Expand, which ical/crosscheck_test.go
// already compares with the same python library; that test's list of
// explained disagreements is copied here as expandCrossCheckKnown, so that
// both tests carry the same knowledge. What this test adds is the path a
// client sees: splitting, PUT, storage on each store, the REPORT and the
// re-encoding of instances. An unlisted disagreement fails, and so does a
// listed one that no longer occurs. expandOnlyKnown adds the disagreements
// that test cannot see, since it leaves their files out.
//
// Files python cannot read, and files with nothing to expand, are skipped
// with a log line. Parts the server is expected to refuse (iTIP-only
// fragments, see notAStorableResource) are logged and left out of the
// comparison; any other refused PUT fails the test.
func TestExpandCrossCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns python and two servers")
	}
	dir := corpusDir(t)
	py := testenv.Python(t, "recurring_ical_events", "icalendar")

	var files []*expandFile
	for _, row := range readCorpusManifest(t, dir) {
		if row.validity != "valid" || !hasRecurrence(row.features) {
			continue
		}
		path, err := filepath.Abs(filepath.Join(dir, "ics", row.file))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, &expandFile{name: row.file, path: path})
	}
	if len(files) == 0 {
		t.Fatalf("no valid corpus file with recurrence in %s/MANIFEST.tsv", dir)
	}
	answers := runExpandScript(t, py, files)

	// What can be compared does not depend on the store: decide it once.
	var comparable []*expandFile
	var skipped []string
	for _, f := range files {
		a, ok := answers[f.path]
		switch {
		case !ok:
			t.Fatalf("%s: missing from expand_crosscheck.py's output", f.name)
		case a.Error != "":
			skipped = append(skipped, f.name)
			t.Logf("%s: skipped, python cannot read it: %s", f.name, a.Error)
			continue
		case a.None:
			skipped = append(skipped, f.name)
			t.Logf("%s: skipped, no VEVENT, VTODO or VJOURNAL with DTSTART or DUE", f.name)
			continue
		}
		var err error
		if f.lo, err = time.Parse("20060102", a.Lo); err == nil {
			f.hi, err = time.Parse("20060102", a.Hi)
		}
		if err != nil {
			t.Fatalf("%s: python's window %s..%s: %v", f.name, a.Lo, a.Hi, err)
		}
		f.python = a.OK
		data, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if f.parts, err = splitForUpload(data, f.name); err != nil {
			// go-ical reads every file python reads today; should one
			// not be, it is a limit of this test's splitter, not of
			// the server.
			skipped = append(skipped, f.name)
			t.Logf("%s: skipped, cannot split it for upload: %v", f.name, err)
			continue
		}
		comparable = append(comparable, f)
	}
	for name, why := range knownDisagreements() {
		if !containsFile(comparable, name) {
			t.Errorf("%s: listed as a known disagreement (%s) but not compared", name, why)
		}
	}

	forEachStore(t, func(t *testing.T, srv *server) {
		compared, agreed, known, leftOut, starts := 0, 0, 0, 0, 0
		for i, f := range comparable {
			got, excluded := srv.expandFile(t, f, fmt.Sprintf("xc%03d", i))
			leftOut += len(excluded)
			compared++
			diffs, n := diffInstances(f, got, f.python, excluded)
			starts += n
			why, isKnown := knownDisagreements()[f.name]
			switch {
			case len(diffs) == 0 && isKnown:
				t.Errorf("%s: listed as a known disagreement (%s) but the server and python now agree", f.name, why)
			case len(diffs) == 0:
				agreed++
			case isKnown:
				known++
				t.Logf("%s: known disagreement (%s):\n  %s", f.name, why, strings.Join(diffs, "\n  "))
			default:
				t.Errorf("%s: the server's expand and python-recurring-ical-events disagree over %s..%s:\n  %s",
					f.name, f.lo.Format("2006-01-02"), f.hi.Format("2006-01-02"), strings.Join(diffs, "\n  "))
			}
		}
		t.Logf("expand cross-check (%s): %d files with recurrence, %d compared (%d python starts), %d agree, %d known disagreements, %d skipped (%s); %d UIDs left out (refused as not resources, or VFREEBUSY/VAVAILABILITY only)",
			srv.store, len(files), compared, starts, agreed, known, len(skipped), strings.Join(skipped, ", "), leftOut)
	})
}

// expandCrossCheckKnown is ical/crosscheck_test.go's crossCheckKnown,
// copied with its reasons: the files where Kalends' expansion and
// python-recurring-ical-events 2.0.1 disagree, and the side RFC 5545
// supports. The server expands with the same code, so the same files must
// disagree here, for the same reasons; keep both lists in step.
var expandCrossCheckKnown = map[string]string{
	// UNTIL equal to an occurrence: RFC 5545 §3.3.10 makes UNTIL
	// inclusive ("becomes the last instance"); Go keeps the instance,
	// python 2.0.1 drops it (upstream issue 107, fixed later). Go is right.
	"prie__issue_107_omitting_last_event.ics": "UNTIL-equal last instance: Go right (UNTIL is inclusive)",
	"radicale__event_issue2151.ics":           "UNTIL-equal last instance (Windows TZID): Go right (UNTIL is inclusive)",
	// Several versions of one UID with rising SEQUENCE: a client (and
	// SplitByUID) keeps the highest SEQUENCE (RFC 5546 §2.1.4), whose
	// EXDATE/RDATE differ; python 2.0.1 reads the older versions too and
	// emits instances the newest version deletes (upstream issues 148 and
	// 163, fixed later). Go is right.
	"prie__issue_148_edge_case_1.ics":              "superseded versions (SEQUENCE): Go right",
	"prie__issue_148_exdate_and_rdate_updated.ics": "superseded versions (SEQUENCE): Go right",
	"prie__issue_148_ignored_exdate.ics":           "superseded versions (SEQUENCE): Go right",
	"prie__issue_163_deleted_modification.ics":     "superseded versions (SEQUENCE): Go right",
	"prie__issue_75_range_parameter.ics":           "RANGE=THISANDFUTURE: python 2.0.1 ignores RANGE (RFC 5545 §3.8.4.4 applies the override to later instances); Go right, and matches the upstream test's vector",
	"icaljs__rdate_exdate.ics":                     "EXDATE;VALUE=DATE on a DATE-TIME series: RFC 5545 leaves the match undefined; Go deletes that day's instance (the producer's evident intent), python keeps it",
	"radicale__event_mixed_datetime_and_date.ics":  "EXDATE;VALUE=DATE on a DATE-TIME series: RFC 5545 leaves the match undefined; Go deletes that day's instance (the producer's evident intent), python keeps it",
	"vobject__UntilRespectsTimezoneTest.ics":       "floating UNTIL on a zoned DTSTART (RFC 5545 requires UTC): Go reads UNTIL in the series' zone and keeps the 2013-11-18 18:30 instance, the reading the upstream test's name describes; python reads it as UTC and drops it",
	"khal__event_dtr_notz_untilz.ics":              "TZID \"GMT-05.00/-04.00\" without VTIMEZONE: RFC 5545 leaves it undefined; Go reads it as UTC-5 (ResolveTZID), python as floating; neither applies the -04.00 DST half, so both are approximate",
}

// expandOnlyKnown lists the disagreements ical/crosscheck_test.go cannot
// see, with the same kind of reason: that test takes its window from
// ical.Expand's first instance, so it skips files where Expand finds none,
// and it does not wrap bare components. Here the window comes from
// python's earliest DTSTART, so these files are compared.
var expandOnlyKnown = map[string]string{
	// UNTIL before DTSTART. RFC 5545 does not settle it: §3.8.5.3
	// counts DTSTART as the first instance, §3.3.10 bounds the set by
	// UNTIL. Kalends yields no instance (ical/occur.go, a compatibility
	// choice: Confluence marks deleted series so, and the corpus's
	// upstream vector expects zero instances); python 2.0.1 yields
	// DTSTART (upstream issue 117, changed later to zero).
	"prie__issue_117_until_before_dtstart.ics":    "UNTIL before DTSTART: the server yields no instance (compatibility choice, upstream vector), python 2.0.1 yields DTSTART",
	"khal__event_dt_rrule_until_before_start.ics": "UNTIL before DTSTART (bare VEVENT, floating): the server yields no instance (compatibility choice), python 2.0.1 yields DTSTART",
}

// knownDisagreements is expandCrossCheckKnown and expandOnlyKnown
// together.
func knownDisagreements() map[string]string {
	all := map[string]string{}
	for _, m := range []map[string]string{expandCrossCheckKnown, expandOnlyKnown} {
		for k, v := range m {
			all[k] = v
		}
	}
	return all
}

// expandFile is one corpus file under comparison.
type expandFile struct {
	name, path string
	lo, hi     time.Time           // the window, from python
	python     map[string][]string // UID → UTC starts, from python
	parts      []uploadPart
}

// uploadPart is one calendar object resource cut from a corpus file.
type uploadPart struct {
	uid     string // as python reports it: "" for components without UID
	putUID  string // the UID in body (assigned when the file has none)
	body    string
	refusal string // why the server may refuse it, "" if it must accept it
	store   bool   // false: no component the test calendar accepts
}

// pyExpandAnswer is expand_crosscheck.py's answer for one file.
type pyExpandAnswer struct {
	Lo    string              `json:"lo"`
	Hi    string              `json:"hi"`
	OK    map[string][]string `json:"ok"`
	None  bool                `json:"none"`
	Error string              `json:"error"`
}

// runExpandScript runs testdata/expand_crosscheck.py once for all files.
func runExpandScript(t *testing.T, py string, files []*expandFile) map[string]pyExpandAnswer {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "expand_crosscheck.py"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.path)
	}
	in, err := json.Marshal(paths)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, script)
	// Outside the source tree, so no directory named like a module
	// shadows python's own.
	cmd.Dir = t.TempDir()
	cmd.Stdin = bytes.NewReader(in)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("expand_crosscheck.py: %v (timeout %v)\nstderr: %s", err, externalTimeout, stderr.String())
	}
	var answers map[string]pyExpandAnswer
	if err := json.Unmarshal(out, &answers); err != nil {
		t.Fatalf("expand_crosscheck.py printed no JSON: %v\n%s\nstderr: %s", err, out, stderr.String())
	}
	return answers
}

// expandFile uploads f's parts into a new calendar named cal of alice's
// and returns the UTC starts per UID of the server's expansion over f's
// window, with the UIDs of parts the server refused (as expected) and of
// parts not uploaded, which are not compared.
func (s *server) expandFile(t *testing.T, f *expandFile, cal string) (got map[string][]string, excluded map[string]bool) {
	t.Helper()
	calPath := calendarPath("alice", cal)
	// A calendar for every type python expands, so that no part is
	// refused for its component type (RFC 4791 §5.2.3).
	s.do(t, request{method: "MKCALENDAR", path: calPath, user: "alice",
		header: map[string]string{"Content-Type": "application/xml; charset=utf-8"},
		body: `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>` + f.name + `</D:displayname>
<C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/><C:comp name="VJOURNAL"/></C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>`}).expect(t, http.StatusCreated)

	excluded = map[string]bool{}
	putUIDs := map[string]string{} // UID on the server → UID python reports
	for i, p := range f.parts {
		putUIDs[p.putUID] = p.uid
		if !p.store {
			excluded[p.uid] = true
			t.Logf("%s: part %d (UID %q) not uploaded: it holds only VFREEBUSY or VAVAILABILITY, which python does not expand", f.name, i, p.uid)
			continue
		}
		r := s.putICS(t, "alice", fmt.Sprintf("%spart%03d.ics", calPath, i), p.body, nil)
		switch {
		case r.Status == http.StatusCreated || r.Status == http.StatusNoContent:
		case p.refusal != "" && r.Status == http.StatusForbidden:
			excluded[p.uid] = true
			t.Logf("%s: part %d (UID %q) refused as expected (%s): %s", f.name, i, p.uid, p.refusal, firstLine(r.Body))
		default:
			excluded[p.uid] = true
			t.Errorf("%s: part %d (UID %q) not stored: %s\n--- part ---\n%s", f.name, i, p.uid, r, p.body)
		}
	}

	body := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><C:calendar-data><C:expand start="%s" end="%s"/></C:calendar-data></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"/></C:filter>
</C:calendar-query>`, f.lo.Format("20060102T150405Z"), f.hi.Format("20060102T150405Z"))
	ms := decodeMultistatus(t, s.report(t, "alice", calPath, "1", body))
	got = map[string][]string{}
	for i := range ms.Responses {
		resp := &ms.Responses[i]
		cd, st := resp.prop(caldavName("calendar-data"))
		if st != http.StatusOK {
			t.Errorf("%s: %s: calendar-data has status %d, want 200", f.name, resp.href(), st)
			continue
		}
		if err := collectStarts(cd.Text, putUIDs, got); err != nil {
			t.Errorf("%s: %s: the expanded calendar-data: %v\n%s", f.name, resp.href(), err, cd.Text)
		}
	}
	return got, excluded
}

// collectStarts adds the UTC start (DTSTART, else DUE, as python takes it)
// of every VEVENT, VTODO and VJOURNAL of an expanded calendar to got, under
// the UID python reports for it.
func collectStarts(data string, putUIDs map[string]string, got map[string][]string) error {
	dec := goical.NewDecoder(strings.NewReader(data))
	for {
		cal, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range cal.Children {
			if !pythonExpands(c.Name) {
				continue
			}
			p := c.Props.Get(goical.PropDateTimeStart)
			if p == nil {
				p = c.Props.Get(goical.PropDue)
			}
			if p == nil {
				continue
			}
			// RFC 4791 §9.6.5: expanded instances are in UTC, DATE
			// values aside; DateTime reads both (a DATE as midnight
			// UTC, as python's side reads it).
			if p.Params.Get(goical.PropTimezoneID) != "" {
				return fmt.Errorf("%s %s has TZID=%s: expanded instances must be in UTC",
					c.Name, p.Name, p.Params.Get(goical.PropTimezoneID))
			}
			start, err := p.DateTime(time.UTC)
			if err != nil {
				return fmt.Errorf("%s %s: %v", c.Name, p.Name, err)
			}
			uid := ""
			if u := c.Props.Get(goical.PropUID); u != nil {
				uid = u.Value
			}
			if orig, ok := putUIDs[uid]; ok {
				uid = orig
			}
			got[uid] = append(got[uid], start.UTC().Format("20060102T150405Z"))
		}
	}
}

// diffInstances compares the server's and python's starts per UID, leaving
// out the excluded UIDs and starts within two days of the window's edges,
// as ical/crosscheck_test.go does; it returns one line per UID that
// differs, and how many of python's starts were compared.
func diffInstances(f *expandFile, server, python map[string][]string, excluded map[string]bool) ([]string, int) {
	edgeLo := f.lo.Add(48 * time.Hour).Format("20060102T150405Z")
	edgeHi := f.hi.Add(-48 * time.Hour).Format("20060102T150405Z")
	norm := func(m map[string][]string) map[string][]string {
		out := map[string][]string{}
		for uid, l := range m {
			if excluded[uid] {
				continue
			}
			set := map[string]bool{}
			for _, s := range l {
				if s >= edgeLo && s < edgeHi {
					set[s] = true
				}
			}
			for s := range set {
				out[uid] = append(out[uid], s)
			}
			sort.Strings(out[uid])
		}
		return out
	}
	g, p := norm(server), norm(python)
	n := 0
	for _, l := range p {
		n += len(l)
	}
	uids := map[string]bool{}
	for u := range g {
		uids[u] = true
	}
	for u := range p {
		uids[u] = true
	}
	var diffs []string
	for u := range uids {
		onlyServer, onlyPy := setMinus(g[u], p[u]), setMinus(p[u], g[u])
		if len(onlyServer)+len(onlyPy) > 0 {
			diffs = append(diffs, fmt.Sprintf("UID %q: only server %s; only python %s", u, listShort(onlyServer), listShort(onlyPy)))
		}
	}
	sort.Strings(diffs)
	return diffs, n
}

func setMinus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

func listShort(l []string) string {
	switch {
	case len(l) == 0:
		return "none"
	case len(l) > 4:
		return strings.Join(l[:4], ",") + ",... (" + strconv.Itoa(len(l)) + ")"
	}
	return strings.Join(l, ",")
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

func containsFile(files []*expandFile, name string) bool {
	for _, f := range files {
		if f.name == name {
			return true
		}
	}
	return false
}

// pythonExpands reports the components python-recurring-ical-events 2.0.1
// expands.
func pythonExpands(name string) bool {
	return name == goical.CompEvent || name == goical.CompToDo || name == goical.CompJournal
}

// hasRecurrence reports whether MANIFEST.tsv's features mark recurrence.
func hasRecurrence(features string) bool {
	for _, f := range strings.Split(features, ";") {
		switch f {
		case "RRULE", "RDATE", "RECURRENCE-ID":
			return true
		}
	}
	return false
}

// --- the corpus ------------------------------------------------------------

// corpusDir returns the shared iCalendar corpus (KALENDS_CORPUS, else
// ../../shared/corpus as seen from this package), skipping the test when it
// is absent, except in CI.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KALENDS_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("test corpus not found at %s (set KALENDS_CORPUS): %v", dir, err)
		}
		t.Skipf("test corpus not found at %s (set KALENDS_CORPUS to run this test)", dir)
	}
	return dir
}

// corpusRow is one row of MANIFEST.tsv, the columns this package uses.
type corpusRow struct {
	file, features, validity string
}

func readCorpusManifest(t *testing.T, dir string) []corpusRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 10 {
			continue
		}
		rows = append(rows, corpusRow{file: cols[0], features: cols[7], validity: cols[8]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// --- splitting a file as an importing client does ---------------------------

// splitForUpload cuts an .ics file into calendar object resources the way a
// client importing it does (RFC 4791 §4.1: one UID per resource):
//
//   - bare components (library fixtures) are wrapped in a VCALENDAR first;
//   - each VEVENT, VTODO, VJOURNAL, VFREEBUSY or VAVAILABILITY goes to the
//     part of its type and UID, overrides (RECURRENCE-ID) with their master;
//   - of several versions of one component (same UID and RECURRENCE-ID),
//     the one with the highest SEQUENCE is kept, the later on a tie
//     (RFC 5546 §2.1.4);
//   - each part keeps the VCALENDAR properties except METHOD (a stored
//     object must not have one) and the VTIMEZONEs it references;
//   - a component without UID gets one, as clients assign them, and is
//     reported under "" as python reports it.
//
// It uses go-ical only to read: its encoder insists on properties many
// fixtures lack (DTSTAMP, PRODID), so writeComponent writes the parts.
func splitForUpload(data []byte, file string) ([]uploadPart, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := goical.NewDecoder(bytes.NewReader(wrapBare(data)))
	var parts []uploadPart
	for {
		cal, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		ps, err := splitCalendar(cal, file, len(parts))
		if err != nil {
			return nil, err
		}
		parts = append(parts, ps...)
	}
	if len(parts) == 0 {
		return nil, errors.New("no component to upload")
	}
	if why := refusedTimezone[file]; why != "" {
		for i := range parts {
			parts[i].refusal = why
		}
	}
	return parts, nil
}

// refusedTimezone lists the corpus files (khal's fixtures for unknown
// zones) whose TZID names no zone and has no VTIMEZONE: the server refuses
// them with CALDAV:valid-timezone (RFC 7809) rather than guess floating
// time, as ical/resource_test.go's refusedValid says.
var refusedTimezone = map[string]string{
	"khal__event_dt_local_missing_tz.ics":       "TZID FOO without VTIMEZONE: valid-timezone",
	"khal__event_dtr_no_tz_exdatez.ics":         "TZID LOLOLOL without VTIMEZONE: valid-timezone",
	"khal__event_rrule_recuid_invalid_tzid.ics": "TZID foo without VTIMEZONE: valid-timezone",
}

// splitCalendar splits one VCALENDAR; n numbers the parts across the file,
// for assigned UIDs.
func splitCalendar(cal *goical.Calendar, file string, n int) ([]uploadPart, error) {
	zones := map[string]*goical.Component{}
	for _, c := range cal.Children {
		if c.Name == goical.CompTimezone {
			if p := c.Props.Get(goical.PropTimezoneID); p != nil {
				zones[strings.TrimSpace(p.Value)] = c
			}
		}
	}
	type group struct {
		uid, putUID string
		comps       []*goical.Component
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, c := range cal.Children {
		switch c.Name {
		case goical.CompEvent, goical.CompToDo, goical.CompJournal, goical.CompFreeBusy, "VAVAILABILITY":
		default:
			continue
		}
		uid := ""
		if p := c.Props.Get(goical.PropUID); p != nil {
			uid = strings.TrimSpace(p.Value)
		}
		key := c.Name + "\x00" + uid
		g := byKey[key]
		if g == nil || uid == "" {
			g = &group{uid: uid, putUID: uid}
			if uid == "" {
				g.putUID = fmt.Sprintf("kalends-crosscheck-%s-%d", file, n+len(groups))
			}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.comps = keepNewest(g.comps, c)
	}

	var parts []uploadPart
	for _, g := range groups {
		var b strings.Builder
		b.WriteString("BEGIN:VCALENDAR\r\n")
		for _, name := range sortedKeys(cal.Props) {
			if name == goical.PropMethod {
				continue
			}
			for _, p := range cal.Props[name] {
				writeProp(&b, p)
			}
		}
		for _, tzid := range referencedTZIDs(g.comps) {
			if z := zones[tzid]; z != nil {
				writeComponent(&b, z, "")
			}
		}
		part := uploadPart{uid: g.uid, putUID: g.putUID}
		for _, c := range g.comps {
			assign := ""
			if g.uid == "" {
				assign = g.putUID
			}
			writeComponent(&b, c, assign)
			if pythonExpands(c.Name) {
				part.store = true
			}
			if why := notAStorableResource(cal, c); why != "" {
				part.refusal = why
			}
		}
		b.WriteString("END:VCALENDAR\r\n")
		part.body = b.String()
		parts = append(parts, part)
	}
	return parts, nil
}

// notAStorableResource says why the server may refuse a component as part
// of a stored object, "" if it must accept it. As in ical/resource_test.go,
// only a VEVENT without DTSTART qualifies: iTIP messages (CANCEL, REPLY,
// REFRESH...) may omit it, RFC 5545 §3.6.1 requires it of anything else.
func notAStorableResource(cal *goical.Calendar, c *goical.Component) string {
	if c.Name == goical.CompEvent && c.Props.Get(goical.PropDateTimeStart) == nil {
		if m := cal.Props.Get(goical.PropMethod); m != nil {
			return "iTIP " + m.Value + " VEVENT without DTSTART"
		}
		return "VEVENT without DTSTART"
	}
	return ""
}

// keepNewest adds c to comps, or replaces the version of the same
// occurrence (RECURRENCE-ID) when c's SEQUENCE is not lower.
func keepNewest(comps []*goical.Component, c *goical.Component) []*goical.Component {
	rid := func(c *goical.Component) string {
		if p := c.Props.Get(goical.PropRecurrenceID); p != nil {
			return strings.TrimSpace(p.Value)
		}
		return ""
	}
	seq := func(c *goical.Component) int {
		if p := c.Props.Get(goical.PropSequence); p != nil {
			n, _ := strconv.Atoi(strings.TrimSpace(p.Value))
			return n
		}
		return 0
	}
	for i, old := range comps {
		if rid(old) == rid(c) {
			if seq(c) >= seq(old) {
				comps[i] = c
			}
			return comps
		}
	}
	return append(comps, c)
}

// referencedTZIDs lists the TZID parameters of comps and their
// sub-components, in order of appearance.
func referencedTZIDs(comps []*goical.Component) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(c *goical.Component)
	walk = func(c *goical.Component) {
		for _, name := range sortedKeys(c.Props) {
			for _, p := range c.Props[name] {
				for _, tz := range p.Params[goical.PropTimezoneID] {
					tz = strings.TrimSpace(tz)
					if !seen[tz] {
						seen[tz] = true
						out = append(out, tz)
					}
				}
			}
		}
		for _, ch := range c.Children {
			walk(ch)
		}
	}
	for _, c := range comps {
		walk(c)
	}
	return out
}

// writeComponent writes c as iCalendar text, with UID set to uid when uid
// is not empty.
func writeComponent(b *strings.Builder, c *goical.Component, uid string) {
	writeLine(b, "BEGIN:"+c.Name)
	if uid != "" {
		writeLine(b, "UID:"+uid)
	}
	for _, name := range sortedKeys(c.Props) {
		if uid != "" && name == goical.PropUID {
			continue
		}
		for _, p := range c.Props[name] {
			writeProp(b, p)
		}
	}
	for _, ch := range c.Children {
		writeComponent(b, ch, "")
	}
	writeLine(b, "END:"+c.Name)
}

// writeProp writes one content line; go-ical keeps values as written
// (escapes included) and parameter values unquoted, so only the quoting
// of parameter values is redone (RFC 5545 §3.2).
func writeProp(b *strings.Builder, p goical.Prop) {
	var l strings.Builder
	l.WriteString(p.Name)
	for _, name := range sortedKeys(p.Params) {
		l.WriteString(";" + name + "=")
		for i, v := range p.Params[name] {
			if i > 0 {
				l.WriteString(",")
			}
			if strings.ContainsAny(v, ";:,") {
				v = `"` + v + `"`
			}
			l.WriteString(v)
		}
	}
	l.WriteString(":" + p.Value)
	writeLine(b, l.String())
}

// writeLine writes a content line folded at 75 octets (RFC 5545 §3.1),
// never inside a UTF-8 sequence.
func writeLine(b *strings.Builder, line string) {
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut] + "\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line + "\r\n")
}

// wrapBare wraps each top-level component other than VCALENDAR in a
// VCALENDAR of its own, as an importer does with library fixtures that
// hold bare VEVENTs.
func wrapBare(data []byte) []byte {
	var b bytes.Buffer
	depth, wrapped := 0, false
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		// A folded continuation line (leading space or tab) never
		// opens or closes a component.
		u := ""
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			u = strings.ToUpper(strings.TrimSpace(line))
		}
		if strings.HasPrefix(u, "BEGIN:") {
			if depth == 0 && u != "BEGIN:VCALENDAR" {
				b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//conformance//EN\r\n")
				wrapped = true
			}
			depth++
		}
		if line != "" {
			b.WriteString(line + "\r\n")
		}
		if strings.HasPrefix(u, "END:") {
			depth--
			if depth == 0 && wrapped {
				b.WriteString("END:VCALENDAR\r\n")
				wrapped = false
			}
		}
	}
	return b.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
