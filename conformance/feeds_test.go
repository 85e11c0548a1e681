package conformance

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/internal/testenv"
)

// feedFixtures are corpus files exported by real clients, with VTIMEZONEs
// and recurrence: Thunderbird (moved occurrences), Thunderbird with an
// Outlook time zone name, EXDATE and an override, and Google Calendar (an
// endless daily series with alarms).
var feedFixtures = []string{
	"prie__recurring_events_moved.ics",
	"radicale__event_issue2151.ics",
	"icaljs__daily_recur.ics",
}

// UIDs of the fixtures, for the time-bound checks.
const (
	googleDailyUID = "tgh9qho17b07pk2n2ji3gluans@google.com" // daily from 2012-08-01, endless
	privateUID     = "feed-private-1"                        // 2030-06-01, CLASS:PRIVATE
)

// parsed is what a parser script reports of one file.
type parsed struct {
	Calname     string              `json:"calname"`
	Refresh     string              `json:"refresh"`
	TTL         string              `json:"ttl"`
	TZIDs       []string            `json:"tzids"`
	Components  []parsedComponent   `json:"components"`
	Occurrences map[string][]string `json:"occurrences"` // ical.js only
}

type parsedComponent struct {
	UID         string `json:"uid"`
	RID         string `json:"rid"`
	Summary     string `json:"summary"`
	Alarms      int    `json:"alarms"`
	Description string `json:"description"` // python only
}

// TestFeeds subscribes to a feed made with `kalends feed create` as Outlook,
// Google and Apple do: an anonymous GET of the URL. Its body must read the
// same, event for event and occurrence for occurrence, as the objects
// stored, in python3-icalendar and in ical.js (Thunderbird's parser); it
// must answer conditional GETs with 304, gzip when asked, its query bounds
// and privacy modes; and once revoked it must answer like a token that
// never existed.
func TestFeeds(t *testing.T) {
	py := testenv.Python(t, "icalendar")
	node, modules := testenv.NodeModule(t, "KALENDS_ICALJS", "ical.js")
	corpus := corpusDir(t)
	forEachStore(t, func(t *testing.T, srv *server) {
		calPath := calendarPath("alice", "calendar")
		var stored []string // bodies of the stored objects
		for _, name := range feedFixtures {
			data, err := os.ReadFile(filepath.Join(corpus, "ics", name))
			if err != nil {
				t.Fatal(err)
			}
			parts, err := splitForUpload(data, name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i, p := range parts {
				path := fmt.Sprintf("%s%s-%d.ics", calPath, strings.TrimSuffix(name, ".ics"), i)
				srv.putICS(t, "alice", path, p.body, nil).expect(t, http.StatusCreated)
				stored = append(stored, path)
			}
		}
		private := icsEvent(privateUID, "DTSTART:20300601T100000Z", "DURATION:PT1H", "CLASS:PRIVATE",
			"SUMMARY:Job interview", "DESCRIPTION:Do not tell anyone", "LOCATION:Competitor Inc.")
		srv.putICS(t, "alice", calPath+"private.ics", private, nil).expect(t, http.StatusCreated)
		stored = append(stored, calPath+"private.ics")

		feedURL := strings.TrimSpace(srv.kalends(t, "feed", "create", "alice/calendar", "--label", "conformance",
			"--base-url", srv.base))
		if !strings.HasPrefix(feedURL, srv.base+"/feeds/") || !strings.HasSuffix(feedURL, ".ics") {
			t.Fatalf("kalends feed create printed %q", feedURL)
		}

		// The feed, as a subscriber gets it: no credentials.
		identity := map[string]string{"Accept-Encoding": "identity"}
		r := srv.do(t, request{method: http.MethodGet, path: feedURL, header: identity}).expect(t, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		feedBody := r.Body
		etag, lastMod := r.Header.Get("ETag"), r.Header.Get("Last-Modified")

		// Both parsers read the feed and every stored object.
		dir := t.TempDir()
		files := []string{writeFile(t, dir, "feed.ics", feedBody)}
		var objectFiles []string
		for i, path := range stored {
			body := srv.do(t, request{method: http.MethodGet, path: path, user: "alice"}).expect(t, http.StatusOK).Body
			name := fmt.Sprintf("object-%02d.ics", i)
			files = append(files, writeFile(t, dir, name, body))
			objectFiles = append(objectFiles, name)
		}
		pyOut := runParser(t, py, append([]string{filepath.Join("testdata", "feed_icalendar.py")}, files...)...)
		jsOut := runParser(t, node, append([]string{filepath.Join("testdata", "feed_icaljs.cjs"), modules}, files...)...)
		for parser, out := range map[string]map[string]*parsed{"python3-icalendar": pyOut, "ical.js": jsOut} {
			checkFeedParse(t, parser, out["feed.ics"], out, objectFiles)
		}
		checkOccurrences(t, jsOut["feed.ics"], jsOut, objectFiles)

		// Conditional GETs (RFC 9110 §13.1.2, §13.1.3).
		if !strings.HasPrefix(etag, `"`) || lastMod == "" {
			t.Fatalf("ETag %q (want a strong one), Last-Modified %q", etag, lastMod)
		}
		r = srv.do(t, request{method: http.MethodGet, path: feedURL, header: map[string]string{
			"Accept-Encoding": "identity", "If-None-Match": etag}}).expect(t, http.StatusNotModified)
		if len(r.Body) != 0 || r.Header.Get("ETag") != etag {
			t.Errorf("304 on If-None-Match: body %d bytes, ETag %q", len(r.Body), r.Header.Get("ETag"))
		}
		srv.do(t, request{method: http.MethodGet, path: feedURL, header: map[string]string{
			"Accept-Encoding": "identity", "If-Modified-Since": lastMod}}).expect(t, http.StatusNotModified)

		// gzip when asked, decoding to the same body.
		r = srv.do(t, request{method: http.MethodGet, path: feedURL, header: map[string]string{"Accept-Encoding": "gzip"}}).
			expect(t, http.StatusOK)
		if r.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("gzip: Content-Encoding %q, Vary %q", r.Header.Get("Content-Encoding"), r.Header.Get("Vary"))
		} else if plain := gunzip(t, r.Body); !bytes.Equal(plain, feedBody) {
			t.Errorf("the gzip body decodes to %d bytes that differ from the %d of the identity body", len(plain), len(feedBody))
		}

		// Time bounds.
		stage2151 := feedUIDOf(t, jsOut, "radicale__event_issue2151.ics", objectFiles, stored)
		for query, want := range map[string][]string{
			"?from=2026-01-01&to=2026-08-01":                     {googleDailyUID, stage2151},
			"?to=20190101T000000Z":                               {googleDailyUID},
			"?from=2030-01-01T00:00:00Z&to=2030-12-31T00:00:00Z": {googleDailyUID, privateUID},
		} {
			body := srv.do(t, request{method: http.MethodGet, path: feedURL + query, header: identity}).expect(t, http.StatusOK).Body
			sort.Strings(want)
			if got := feedUIDs(t, body); !slices.Equal(got, want) {
				t.Errorf("%s: UIDs %v, want %v", query, got, want)
			}
		}
		srv.do(t, request{method: http.MethodGet, path: feedURL + "?from=tomorrow", header: identity}).expect(t, http.StatusBadRequest)

		// Privacy: busy by default (checked above), omit on request, never
		// looser than the owner chose.
		body := srv.do(t, request{method: http.MethodGet, path: feedURL + "?private=omit", header: identity}).expect(t, http.StatusOK).Body
		if slices.Contains(feedUIDs(t, body), privateUID) {
			t.Error("?private=omit shows the private event")
		}
		srv.do(t, request{method: http.MethodGet, path: feedURL + "?private=full", header: identity}).expect(t, http.StatusForbidden)

		// The owner sees the feed on the calendar.
		ms := decodeMultistatus(t, srv.propfind(t, "alice", calPath, "0", `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:K="urn:x-kalends:xml:ns"><D:prop><K:feeds/></D:prop></D:propfind>`))
		if resp := ms.byHref(calPath); resp == nil {
			t.Error("PROPFIND K:feeds: no response for the calendar")
		} else if feeds := wantProp(t, resp, kalendsName("feeds")); feeds != nil {
			feed := feeds.child(kalendsName("feed"))
			if feed == nil || !slices.Contains(feed.hrefs(), feedURL) {
				t.Errorf("K:feeds does not list %s", feedURL)
			}
		}

		// Revoked: the same answer as a token that never existed.
		unknown := srv.do(t, request{method: http.MethodGet, path: srv.url("/feeds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics")}).
			expect(t, http.StatusNotFound)
		srv.kalends(t, "feed", "revoke", feedURL)
		revoked := srv.do(t, request{method: http.MethodGet, path: feedURL}).expect(t, http.StatusNotFound)
		if !bytes.Equal(revoked.Body, unknown.Body) || revoked.Header.Get("Content-Type") != unknown.Header.Get("Content-Type") ||
			revoked.Header.Get("Cache-Control") != unknown.Header.Get("Cache-Control") {
			t.Errorf("revoked and unknown tokens answer differently:\n%s %v\n%s %v", revoked.Body, revoked.Header, unknown.Body, unknown.Header)
		}
		srv.do(t, request{method: http.MethodGet, path: feedURL, header: map[string]string{"If-None-Match": etag}}).
			expect(t, http.StatusNotFound)
	})
}

// kalendsName is a name in Kalends' own XML namespace.
func kalendsName(local string) xml.Name { return xml.Name{Space: "urn:x-kalends:xml:ns", Local: local} }

// kalends runs a command of the binary under test on the server's
// database and returns its standard output.
func (s *server) kalends(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, kalendsBin, append(args, "--database", s.database)...)
	cmd.Env = kalendsEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kalends %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runParser runs a parser script and decodes its JSON answer.
func runParser(t *testing.T, command string, args ...string) map[string]*parsed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, command, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(command), filepath.Base(args[0]), err, stderr.String())
	}
	var res map[string]*parsed
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", filepath.Base(args[0]), err, out)
	}
	return res
}

// componentKey names a component by UID and RECURRENCE-ID.
func componentKey(c parsedComponent) string { return c.UID + " @ " + c.RID }

// checkFeedParse compares what a parser read in the feed with what it read
// in the stored objects: the same components, the same summaries (but
// "Busy" for the private event), no alarms, the calendar's name, refresh
// interval and each time zone once.
func checkFeedParse(t *testing.T, parser string, feed *parsed, all map[string]*parsed, objects []string) {
	t.Helper()
	if feed == nil {
		t.Fatalf("%s: no answer for the feed", parser)
	}
	if feed.Calname != "Calendar" || feed.Refresh != "PT1H" || feed.TTL != "PT1H" {
		t.Errorf("%s: X-WR-CALNAME %q, REFRESH-INTERVAL %q, X-PUBLISHED-TTL %q; want Calendar, PT1H, PT1H",
			parser, feed.Calname, feed.Refresh, feed.TTL)
	}
	want := map[string]parsedComponent{}
	wantTZ := map[string]bool{}
	for _, name := range objects {
		for _, c := range all[name].Components {
			want[componentKey(c)] = c
		}
		for _, tz := range all[name].TZIDs {
			wantTZ[tz] = true
		}
	}
	got := map[string]parsedComponent{}
	for _, c := range feed.Components {
		if _, dup := got[componentKey(c)]; dup {
			t.Errorf("%s: %s twice in the feed", parser, componentKey(c))
		}
		got[componentKey(c)] = c
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d components in the feed, %d stored", parser, len(got), len(want))
	}
	for key, w := range want {
		g, ok := got[key]
		wantSummary := w.Summary
		if w.UID == privateUID {
			wantSummary = "Busy"
		}
		switch {
		case !ok:
			t.Errorf("%s: %s stored but not in the feed", parser, key)
		case g.Summary != wantSummary:
			t.Errorf("%s: %s: SUMMARY %q, want %q", parser, key, g.Summary, wantSummary)
		case g.Alarms != 0:
			t.Errorf("%s: %s keeps %d alarms", parser, key, g.Alarms)
		case w.UID == privateUID && g.Description != "":
			t.Errorf("%s: the private event's DESCRIPTION is in the feed", parser)
		}
	}
	tzs := slices.Clone(feed.TZIDs)
	sort.Strings(tzs)
	var wantTZs []string
	for tz := range wantTZ {
		wantTZs = append(wantTZs, tz)
	}
	sort.Strings(wantTZs)
	if !slices.Equal(tzs, wantTZs) {
		t.Errorf("%s: VTIMEZONEs %v, want each of %v once", parser, tzs, wantTZs)
	}
}

// checkOccurrences compares ical.js's expansion of each series in the
// feed with its expansion of the stored objects.
func checkOccurrences(t *testing.T, feed *parsed, all map[string]*parsed, objects []string) {
	t.Helper()
	want := map[string][]string{}
	for _, name := range objects {
		for uid, occ := range all[name].Occurrences {
			want[uid] = occ
		}
	}
	total := 0
	for uid, w := range want {
		g := feed.Occurrences[uid]
		total += len(g)
		if !slices.Equal(g, w) {
			t.Errorf("ical.js: %s: %d occurrences in the feed, %d in the stored object (first difference at %d)",
				uid, len(g), len(w), firstDiff(g, w))
		}
	}
	if len(feed.Occurrences) != len(want) {
		t.Errorf("ical.js: %d series in the feed, %d stored", len(feed.Occurrences), len(want))
	}
	t.Logf("ical.js read %d occurrences of %d events in the feed", total, len(want))
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// feedUIDOf returns the UID ical.js read in the stored object that came
// from a fixture file.
func feedUIDOf(t *testing.T, all map[string]*parsed, fixture string, objects, stored []string) string {
	t.Helper()
	prefix := strings.TrimSuffix(fixture, ".ics") + "-"
	for i, path := range stored {
		if strings.Contains(path, prefix) && len(all[objects[i]].Components) > 0 {
			return all[objects[i]].Components[0].UID
		}
	}
	t.Fatalf("no stored object from %s", fixture)
	return ""
}

// feedUIDs returns the sorted distinct UIDs of a feed's VEVENTs.
func feedUIDs(t *testing.T, body []byte) []string {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("feed does not decode: %v\n%s", err, body)
	}
	seen := map[string]bool{}
	var out []string
	for _, c := range cal.Children {
		if c.Name != goical.CompEvent {
			continue
		}
		uid := c.Props.Get(goical.PropUID).Value
		if !seen[uid] {
			seen[uid] = true
			out = append(out, uid)
		}
	}
	sort.Strings(out)
	return out
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	return out
}
