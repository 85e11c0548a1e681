package caldav

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

// ics turns LF line ends into iCalendar's CRLF.
func ics(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// feedPublic is a public event in Berlin time with an alarm.
var feedPublic = ics(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Kalends//test//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:public-1
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20260310T100000
DTEND;TZID=Europe/Berlin:20260310T110000
SUMMARY:Team meeting
DESCRIPTION:Agenda: everything
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Reminder
TRIGGER:-PT15M
END:VALARM
END:VEVENT
END:VCALENDAR
`)

// feedPrivate is a private weekly series in New York time whose
// overridden occurrence does not repeat CLASS.
var feedPrivate = ics(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Kalends//test//EN
BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:STANDARD
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:private-1
DTSTAMP:20260101T000000Z
DTSTART;TZID=America/New_York:20261201T090000
DTEND;TZID=America/New_York:20261201T100000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=America/New_York:20261215T090000
CLASS:PRIVATE
SEQUENCE:2
SUMMARY:Doctor
DESCRIPTION:Annual check-up
LOCATION:Clinic
ORGANIZER:mailto:alice@example.com
ATTENDEE;CN="Dr. Who: GP";SCHEDULE-AGENT=CLIENT:mailto:doc@example.com
CATEGORIES:Health
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Go
TRIGGER:-PT1H
END:VALARM
END:VEVENT
BEGIN:VEVENT
UID:private-1
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=America/New_York:20261208T090000
DTSTART;TZID=America/New_York:20261208T110000
DTEND;TZID=America/New_York:20261208T120000
SUMMARY:Doctor (moved)
LOCATION:Other clinic
ORGANIZER:mailto:alice@example.com
ATTENDEE;CN="Dr. Who: GP";SCHEDULE-AGENT=CLIENT:mailto:doc@example.com
END:VEVENT
END:VCALENDAR
`)

// feedConfidential is a confidential all-day event in December.
var feedConfidential = ics(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Kalends//test//EN
BEGIN:VEVENT
UID:confidential-1
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261224
DTEND;VALUE=DATE:20261225
CLASS:CONFIDENTIAL
SUMMARY:Surprise party
END:VEVENT
END:VCALENDAR
`)

// feedFixture is a test server whose alice has the three events above in
// her calendar and feeds on it.
type feedFixture struct {
	*testServer
	cal *backend.Calendar
	fs  backend.Feeds
}

func newFeedFixture(t *testing.T) *feedFixture {
	t.Helper()
	ts := newTestServer(t)
	ts.put("alice", cal+"public.ics", feedPublic)
	ts.put("alice", cal+"private.ics", feedPrivate)
	ts.put("alice", cal+"confidential.ics", feedConfidential)
	c, err := ts.store.Calendar(context.Background(), ts.users["alice"].ID, "calendar")
	if err != nil {
		t.Fatal(err)
	}
	return &feedFixture{testServer: ts, cal: c, fs: ts.store}
}

// feed creates a feed on alice's calendar and returns its path.
func (f *feedFixture) feed(private backend.FeedPrivacy, label string) (path string, feed *backend.Feed) {
	f.t.Helper()
	tok, err := backend.NewFeedToken()
	if err != nil {
		f.t.Fatal(err)
	}
	feed = &backend.Feed{CalendarID: f.cal.ID, Token: tok, Private: private, Label: label}
	if err := f.fs.CreateFeed(context.Background(), feed); err != nil {
		f.t.Fatal(err)
	}
	return calendar.FeedPath(tok), feed
}

// get sends an anonymous GET or HEAD asking for the identity coding (Go's
// client would otherwise ask for gzip and decode it silently), with extra
// headers that may replace it.
func (f *feedFixture) get(want int, method, path string, headers ...string) (*http.Response, string) {
	f.t.Helper()
	return f.must(want, "", method, path, "", append([]string{"Accept-Encoding", "identity"}, headers...)...)
}

// parseFeed decodes a feed body and returns its VCALENDAR.
func parseFeed(t *testing.T, body string) *goical.Calendar {
	t.Helper()
	c, err := ical.Parse([]byte(body))
	if err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, body)
	}
	return c
}

// components returns the top-level components of a name, by UID and
// RECURRENCE-ID ("" for masters).
func components(c *goical.Calendar, name string) map[string]*goical.Component {
	out := map[string]*goical.Component{}
	for _, ch := range c.Children {
		if ch.Name != name {
			continue
		}
		key := ch.Props.Get("UID").Value
		if rid := ch.Props.Get("RECURRENCE-ID"); rid != nil {
			key += "@" + rid.Value
		}
		out[key] = ch
	}
	return out
}

func TestFeedDefaultBusy(t *testing.T) {
	f := newFeedFixture(t)
	path, _ := f.feed(backend.FeedBusy, "")
	resp, body := f.get(http.StatusOK, "GET", path)
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "max-age=") {
		t.Errorf("Cache-Control %q", cc)
	}
	c := parseFeed(t, body)
	for name, want := range map[string]string{"X-WR-CALNAME": "Calendar", "NAME": "Calendar", "REFRESH-INTERVAL": "PT1H", "X-PUBLISHED-TTL": "PT1H"} {
		if got := propValue(c.Component, name); got != want {
			t.Errorf("VCALENDAR %s = %q, want %q", name, got, want)
		}
	}
	if p := c.Props.Get("REFRESH-INTERVAL"); p == nil || p.Params.Get("VALUE") != "DURATION" {
		t.Errorf("REFRESH-INTERVAL lacks VALUE=DURATION (RFC 7986 §5.7): %+v", p)
	}
	var tzids []string
	for _, ch := range c.Children {
		if ch.Name == "VTIMEZONE" {
			tzids = append(tzids, propValue(ch, "TZID"))
		}
	}
	slices.Sort(tzids)
	if !slices.Equal(tzids, []string{"America/New_York", "Europe/Berlin"}) {
		t.Errorf("VTIMEZONEs %v, want each referenced zone once", tzids)
	}

	ev := components(c, "VEVENT")
	if len(ev) != 4 {
		t.Fatalf("VEVENTs %v, want public-1, private-1, its override and confidential-1", keys(ev))
	}
	pub := ev["public-1"]
	if propValue(pub, "SUMMARY") != "Team meeting" || propValue(pub, "DESCRIPTION") != "Agenda: everything" {
		t.Errorf("public event changed: %+v", pub.Props)
	}
	for key, e := range ev {
		if len(e.Children) != 0 {
			t.Errorf("%s keeps sub-components (alarms): %v", key, e.Children[0].Name)
		}
	}
	master := ev["private-1"]
	override := ev["private-1@20261208T090000"]
	if master == nil || override == nil {
		t.Fatalf("private series: %v", keys(ev))
	}
	for _, e := range []*goical.Component{master, override, ev["confidential-1"]} {
		if propValue(e, "SUMMARY") != "Busy" {
			t.Errorf("%s: SUMMARY %q, want Busy", propValue(e, "UID"), propValue(e, "SUMMARY"))
		}
		for _, gone := range []string{"DESCRIPTION", "LOCATION", "ORGANIZER", "ATTENDEE", "CATEGORIES"} {
			if e.Props.Get(gone) != nil {
				t.Errorf("%s: busy block keeps %s", propValue(e, "UID"), gone)
			}
		}
	}
	// What a busy block keeps: time, recurrence, change management.
	for name, want := range map[string]string{"DTSTART": "20261201T090000", "DTEND": "20261201T100000",
		"RRULE": "FREQ=WEEKLY;COUNT=4", "EXDATE": "20261215T090000", "SEQUENCE": "2", "CLASS": "PRIVATE",
		"DTSTAMP": "20260101T000000Z"} {
		if got := propValue(master, name); got != want {
			t.Errorf("busy master %s = %q, want %q", name, got, want)
		}
	}
	if got := master.Props.Get("DTSTART").Params.Get("TZID"); got != "America/New_York" {
		t.Errorf("busy master DTSTART TZID %q", got)
	}
	if propValue(override, "DTSTART") != "20261208T110000" {
		t.Errorf("busy override DTSTART %q", propValue(override, "DTSTART"))
	}
	if propValue(ev["confidential-1"], "DTSTART") != "20261224" {
		t.Errorf("busy all-day DTSTART %q", propValue(ev["confidential-1"], "DTSTART"))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestFeedPrivacyModes(t *testing.T) {
	f := newFeedFixture(t)
	full, _ := f.feed(backend.FeedFull, "")
	busy, _ := f.feed(backend.FeedBusy, "")
	omit, _ := f.feed(backend.FeedOmit, "")

	// full: private events as they are, alarms still removed.
	_, body := f.get(http.StatusOK, "GET", full)
	ev := components(parseFeed(t, body), "VEVENT")
	if e := ev["private-1"]; e == nil || propValue(e, "SUMMARY") != "Doctor" || propValue(e, "LOCATION") != "Clinic" || len(e.Children) != 0 {
		t.Errorf("full feed, private event: %+v", e)
	}
	if e := ev["private-1@20261208T090000"]; e == nil || propValue(e, "SUMMARY") != "Doctor (moved)" {
		t.Errorf("full feed, override: %+v", e)
	}

	// omit: the private series (override included) and the confidential
	// event are gone, and so is the time zone only they used.
	for _, path := range []string{omit, full + "?private=omit", busy + "?private=omit"} {
		_, body = f.get(http.StatusOK, "GET", path)
		c := parseFeed(t, body)
		if got := keys(components(c, "VEVENT")); !slices.Equal(got, []string{"public-1"}) {
			t.Errorf("%s: VEVENTs %v, want public-1 only", path, got)
		}
		for _, ch := range c.Children {
			if ch.Name == "VTIMEZONE" && propValue(ch, "TZID") != "Europe/Berlin" {
				t.Errorf("%s: VTIMEZONE %s of an omitted event", path, propValue(ch, "TZID"))
			}
		}
	}

	// A stricter mode may be asked for; a looser one is refused.
	_, body = f.get(http.StatusOK, "GET", full+"?private=busy")
	if e := components(parseFeed(t, body), "VEVENT")["private-1"]; e == nil || propValue(e, "SUMMARY") != "Busy" {
		t.Errorf("full feed asked for busy: %+v", e)
	}
	f.get(http.StatusOK, "GET", busy+"?private=busy")
	for _, path := range []string{busy + "?private=full", omit + "?private=busy", omit + "?private=full"} {
		f.get(http.StatusForbidden, "GET", path)
	}
	_, msg := f.get(http.StatusBadRequest, "GET", busy+"?private=public")
	if !strings.Contains(msg, "full, busy or omit") {
		t.Errorf("bad private value: %q", msg)
	}
}

func TestFeedTimeBounds(t *testing.T) {
	f := newFeedFixture(t)
	path, _ := f.feed(backend.FeedFull, "")
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"confidential-1", "private-1", "private-1@20261208T090000", "public-1"}},
		{"?from=2026-12-01", []string{"confidential-1", "private-1", "private-1@20261208T090000"}},
		{"?to=20260401T000000Z", []string{"public-1"}},
		{"?from=2026-03-01T00:00:00Z&to=2026-03-31T00:00:00%2B02:00", []string{"public-1"}},
		{"?from=20261220&to=20261231", []string{"confidential-1", "private-1", "private-1@20261208T090000"}},
		{"?from=2027-01-01", nil},
		{"?from=2026-12-01&_=1234", []string{"confidential-1", "private-1", "private-1@20261208T090000"}},
	}
	for _, tc := range cases {
		_, body := f.get(http.StatusOK, "GET", path+tc.query)
		if got := keys(components(parseFeed(t, body), "VEVENT")); !slices.Equal(got, tc.want) {
			t.Errorf("%s: VEVENTs %v, want %v", tc.query, got, tc.want)
		}
	}
	for _, q := range []string{"?from=yesterday", "?to=2026-13-01", "?from=2026-12-01&to=2026-11-01",
		"?from=2026-12-01&to=2026-12-01", "?from=%zz"} {
		_, msg := f.get(http.StatusBadRequest, "GET", path+q)
		if strings.TrimSpace(msg) == "" {
			t.Errorf("%s: 400 without a reason", q)
		}
	}
}

func TestFeedConditional(t *testing.T) {
	f := newFeedFixture(t)
	path, _ := f.feed(backend.FeedBusy, "")
	resp, body := f.get(http.StatusOK, "GET", path)
	etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || lastMod == "" {
		t.Fatalf("ETag %q (want a strong one), Last-Modified %q", etag, lastMod)
	}
	resp, b := f.get(http.StatusNotModified, "GET", path, "If-None-Match", etag)
	if b != "" || resp.Header.Get("ETag") != etag {
		t.Errorf("304: body %q, ETag %q", b, resp.Header.Get("ETag"))
	}
	f.get(http.StatusNotModified, "GET", path, "If-None-Match", `"other", W/`+etag)
	f.get(http.StatusNotModified, "GET", path, "If-Modified-Since", lastMod)
	f.get(http.StatusNotModified, "HEAD", path, "If-None-Match", etag)
	// If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
	f.get(http.StatusOK, "GET", path, "If-None-Match", `"other"`, "If-Modified-Since", lastMod)
	resp, b = f.get(http.StatusOK, "HEAD", path)
	if b != "" || resp.Header.Get("ETag") != etag || resp.Header.Get("Content-Length") != itoa(len(body)) {
		t.Errorf("HEAD: body %q, ETag %q, Content-Length %q (GET had %d bytes)", b, resp.Header.Get("ETag"),
			resp.Header.Get("Content-Length"), len(body))
	}
	// Another query or mode is another representation.
	resp, _ = f.get(http.StatusOK, "GET", path+"?private=omit", "If-None-Match", etag)
	if resp.Header.Get("ETag") == etag {
		t.Error("private=omit has the ETag of the default")
	}
	resp, _ = f.get(http.StatusOK, "GET", path+"?from=2026-12-01", "If-None-Match", etag)
	if resp.Header.Get("ETag") == etag {
		t.Error("a bounded feed has the ETag of the whole")
	}
	// A change of the calendar changes the ETag.
	f.put("alice", cal+"new.ics", event("new-1", "20261105T100000Z", "New"))
	resp, body = f.get(http.StatusOK, "GET", path, "If-None-Match", etag)
	if resp.Header.Get("ETag") == etag || components(parseFeed(t, body), "VEVENT")["new-1"] == nil {
		t.Errorf("after a PUT: ETag %q (was %q)", resp.Header.Get("ETag"), etag)
	}
	etag, lastMod = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	// Deleting the newest object must not take Last-Modified back, or a
	// client asking If-Modified-Since would miss it. HTTP dates have whole
	// seconds: delete in the next one.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	f.must(http.StatusNoContent, "alice", "DELETE", cal+"new.ics", "")
	resp, body = f.get(http.StatusOK, "GET", path, "If-None-Match", etag)
	if resp.Header.Get("ETag") == etag || components(parseFeed(t, body), "VEVENT")["new-1"] != nil {
		t.Errorf("after a DELETE: ETag %q (was %q)", resp.Header.Get("ETag"), etag)
	}
	f.get(http.StatusOK, "GET", path, "If-Modified-Since", lastMod)
}

func TestFeedGzip(t *testing.T) {
	f := newFeedFixture(t)
	path, _ := f.feed(backend.FeedBusy, "")
	plain, plainBody := f.get(http.StatusOK, "GET", path)
	if plain.Header.Get("Content-Encoding") != "" || plain.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("identity: Content-Encoding %q, Vary %q", plain.Header.Get("Content-Encoding"), plain.Header.Get("Vary"))
	}
	resp, zipped := f.get(http.StatusOK, "GET", path, "Accept-Encoding", "br;q=1.0, gzip;q=0.8")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip: Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(strings.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || string(unzipped) != plainBody {
		t.Fatalf("gunzipped body differs from the identity body (%v)", err)
	}
	gzTag := resp.Header.Get("ETag")
	if gzTag == plain.Header.Get("ETag") {
		t.Error("gzip and identity share a strong ETag (RFC 9110 §8.8.3)")
	}
	f.get(http.StatusNotModified, "GET", path, "Accept-Encoding", "gzip", "If-None-Match", gzTag)
	resp, _ = f.get(http.StatusOK, "GET", path, "Accept-Encoding", "gzip;q=0, identity")
	if resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent though refused")
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "x-gzip": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false,
		"gzip; q=0.000": false, "*": true, "*;q=0": false, "br": false, "*, gzip;q=0": false, "identity": false,
		"gzip;q=bogus": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// TestFeedNotFound: unknown, malformed and revoked tokens, and the feed of
// a deleted calendar, get one and the same answer.
func TestFeedNotFound(t *testing.T) {
	f := newFeedFixture(t)
	live, _ := f.feed(backend.FeedBusy, "")
	revoked, rf := f.feed(backend.FeedBusy, "")
	if err := f.fs.DeleteFeed(context.Background(), rf.ID); err != nil {
		t.Fatal(err)
	}
	// A feed of a calendar that is then deleted.
	f.must(http.StatusCreated, "alice", "MKCALENDAR", "/dav/calendars/users/alice/gone/", "")
	gone, err := f.store.Calendar(context.Background(), f.users["alice"].ID, "gone")
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := backend.NewFeedToken()
	if err := f.fs.CreateFeed(context.Background(), &backend.Feed{CalendarID: gone.ID, Token: tok}); err != nil {
		t.Fatal(err)
	}
	f.get(http.StatusOK, "GET", calendar.FeedPath(tok), "")
	f.must(http.StatusNoContent, "alice", "DELETE", "/dav/calendars/users/alice/gone/", "")

	unknown, _ := backend.NewFeedToken()
	liveTok := strings.TrimSuffix(strings.TrimPrefix(live, feedsRoot), ".ics")
	paths := []string{revoked, calendar.FeedPath(unknown), calendar.FeedPath(tok), "/feeds/", "/feeds/x.ics", "/feeds/" + liveTok,
		calendar.FeedPath(liveTok[:42]), calendar.FeedPath(liveTok + "x"), "/feeds/" + liveTok + ".ics/more", "/feeds/a/b.ics",
		calendar.FeedPath(strings.Repeat("A", 2000))}
	for _, p := range paths {
		for _, user := range []string{"", "alice"} {
			resp, body := f.do(user, "GET", p, "")
			if resp.StatusCode != http.StatusNotFound || body != feedNotFound ||
				resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("ETag") != "" {
				t.Errorf("GET %s as %q: %d %q %v", truncatePath(p), user, resp.StatusCode, body, resp.Header)
			}
		}
	}
	f.get(http.StatusOK, "GET", live)
}

func truncatePath(p string) string {
	if len(p) > 60 {
		return p[:60] + "…"
	}
	return p
}

func TestFeedMethods(t *testing.T) {
	f := newFeedFixture(t)
	live, _ := f.feed(backend.FeedBusy, "")
	unknown, _ := backend.NewFeedToken()
	for _, p := range []string{live, calendar.FeedPath(unknown)} {
		for _, m := range []string{"PUT", "POST", "DELETE", "PROPFIND", "OPTIONS", "REPORT"} {
			resp, _ := f.do("", m, p, "x")
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q", m, p, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
	}
	// Nothing was changed through the feed.
	f.get(http.StatusOK, "GET", live)
}

// TestFeedLogsHideToken: the request log names the feed route, never the
// token.
func TestFeedLogsHideToken(t *testing.T) {
	f := newFeedFixture(t)
	var logs bytes.Buffer
	srv := httptest.NewServer(newHandler(f.store, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	defer srv.Close()
	path, feed := f.feed(backend.FeedBusy, "")
	for _, p := range []string{path, path + "x", path + "?from=bad"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if strings.Contains(logs.String(), feed.Token) || strings.Count(logs.String(), "path=/feeds/[token]") != 3 {
		t.Errorf("log:\n%s", logs.String())
	}
}

const propfindFeeds = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:K="urn:x-kalends:xml:ns"><D:prop><K:feeds/></D:prop></D:propfind>`

// kFeed is one K:feed of the K:feeds property.
type kFeed struct {
	Href    string `xml:"DAV: href"`
	Private string `xml:"urn:x-kalends:xml:ns private"`
	Label   string `xml:"urn:x-kalends:xml:ns label"`
	Created string `xml:"urn:x-kalends:xml:ns created"`
}

// feedsProp decodes the K:feed elements of a PROPFIND answer for path.
func feedsProp(t *testing.T, body, path string) []kFeed {
	t.Helper()
	var ms struct {
		Responses []struct {
			Href      string `xml:"DAV: href"`
			Propstats []struct {
				Prop struct {
					Feeds *struct {
						Feed []kFeed `xml:"urn:x-kalends:xml:ns feed"`
					} `xml:"urn:x-kalends:xml:ns feeds"`
				} `xml:"DAV: prop"`
			} `xml:"DAV: propstat"`
		} `xml:"DAV: response"`
	}
	if err := xml.Unmarshal([]byte(body), &ms); err != nil {
		t.Fatalf("multistatus does not decode: %v\n%s", err, body)
	}
	for _, r := range ms.Responses {
		for _, ps := range r.Propstats {
			if r.Href == path && ps.Prop.Feeds != nil {
				return ps.Prop.Feeds.Feed
			}
		}
	}
	t.Fatalf("no K:feeds for %s:\n%s", path, body)
	return nil
}

func TestFeedsProperty(t *testing.T) {
	f := newFeedFixture(t)
	_, body := f.must(http.StatusMultiStatus, "alice", "PROPFIND", cal, propfindFeeds, "Depth", "0")
	r := parseMultistatus(t, body).response(cal)
	if st, inner, ok := r.prop(propFeeds); !ok || !strings.Contains(st, "200") || strings.TrimSpace(inner) != "" {
		t.Fatalf("K:feeds without feeds: %q %q %v", st, inner, ok)
	}
	path1, _ := f.feed(backend.FeedOmit, "Bob's phone")
	path2, _ := f.feed(backend.FeedBusy, "")
	_, body = f.must(http.StatusMultiStatus, "alice", "PROPFIND", cal, propfindFeeds, "Depth", "0")
	var got struct{ Feeds []kFeed }
	got.Feeds = feedsProp(t, body, cal)
	if len(got.Feeds) != 2 || got.Feeds[0].Href != f.srv.URL+path1 || got.Feeds[0].Private != "omit" ||
		got.Feeds[0].Label != "Bob's phone" || got.Feeds[1].Href != f.srv.URL+path2 || got.Feeds[1].Private != "busy" ||
		got.Feeds[1].Label != "" || got.Feeds[0].Created == "" {
		t.Fatalf("K:feeds: %+v", got.Feeds)
	}
	// The listed URL works as it is.
	resp, err := http.Get(got.Feeds[0].Href)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET listed URL: %v %v", resp, err)
	}
	resp.Body.Close()

	// Not in allprop: the URLs are secrets asked for by name.
	_, body = f.must(http.StatusMultiStatus, "alice", "PROPFIND", cal, `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`, "Depth", "0")
	if _, _, ok := parseMultistatus(t, body).response(cal).prop(propFeeds); ok {
		t.Error("K:feeds in allprop")
	}
	// Others cannot read it.
	f.must(http.StatusForbidden, "bob", "PROPFIND", cal, propfindFeeds, "Depth", "0")

	// It is protected (RFC 4918 §9.2: 403 cannot-modify-protected-property).
	_, body = f.must(http.StatusMultiStatus, "alice", "PROPPATCH", cal, `<?xml version="1.0"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:K="urn:x-kalends:xml:ns"><D:set><D:prop><K:feeds/></D:prop></D:set></D:propertyupdate>`)
	var ms struct {
		Propstats []struct {
			Status string `xml:"DAV: status"`
			Error  struct {
				Any []anyElem `xml:",any"`
			} `xml:"DAV: error"`
		} `xml:"DAV: response>propstat"`
	}
	if err := xml.Unmarshal([]byte(body), &ms); err != nil || len(ms.Propstats) != 1 ||
		!strings.Contains(ms.Propstats[0].Status, "403") || len(ms.Propstats[0].Error.Any) != 1 ||
		ms.Propstats[0].Error.Any[0].XMLName != dx.DAVName("cannot-modify-protected-property") {
		t.Fatalf("PROPPATCH K:feeds: %v\n%s", err, body)
	}
	if feeds, _ := f.fs.ListFeeds(context.Background(), f.users["alice"].ID, f.cal.ID); len(feeds) != 2 {
		t.Fatalf("feeds after PROPPATCH: %d", len(feeds))
	}
}

func TestFeedsPropertyBaseURL(t *testing.T) {
	f := newFeedFixture(t)
	srv := httptest.NewServer(newHandler(f.store, Options{BaseURL: "https://cal.example.com/kalends/",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	path, _ := f.feed(backend.FeedBusy, "")
	req, _ := http.NewRequest("PROPFIND", srv.URL+"/kalends"+cal, strings.NewReader(propfindFeeds))
	req.SetBasicAuth("alice", "pw-alice")
	req.Header.Set("Depth", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := feedsProp(t, string(b), "/kalends"+cal); len(got) != 1 || got[0].Href != "https://cal.example.com/kalends"+path {
		t.Fatalf("K:feeds with a base URL: %+v\n%s", got, b)
	}
	// The feed answers under the base path too, as a proxy that keeps the
	// prefix forwards it.
	resp, err = http.Get(srv.URL + "/kalends" + path)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET under the base path: %v %v", resp, err)
	}
	resp.Body.Close()
}
