package caldav

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// workPath is bob's collection holding the RFC 4791 Appendix B data.
const workPath = "/dav/calendars/users/bob/work/"

// loadAppendixB stores abcd1.ics … abcd8.ics in bob's "work" calendar,
// which accepts every component type as the RFC's /bernard/work/ does.
func loadAppendixB(t *testing.T, ts *testServer) map[string]string {
	t.Helper()
	c := &backend.Calendar{PrincipalID: ts.users["bob"].ID, URI: "work", Kind: backend.CollectionCalendar,
		DisplayName: "Work", Components: []string{"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY"}}
	if err := ts.store.CreateCalendar(context.Background(), c, nil); err != nil {
		t.Fatal(err)
	}
	etags := map[string]string{}
	for _, n := range []string{"1", "2", "3", "4", "5", "6", "7", "8"} {
		name := "abcd" + n + ".ics"
		etags[name] = ts.put("bob", workPath+name, readTestdata(t, "testdata/rfc4791/"+name))
	}
	return etags
}

func readTestdata(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rfcBody returns an RFC 4791 REPORT body from davxml's testdata with the
// RFC's /bernard/work/ paths moved to bob's calendar.
func rfcBody(t *testing.T, section string) string {
	t.Helper()
	return strings.ReplaceAll(readTestdata(t, "internal/davxml/testdata/rfc4791-"+section+".xml"), "/bernard/work/", workPath)
}

// report sends a REPORT with Depth: 1 and decodes the 207 answer.
func (ts *testServer) report(user, path, body string) *multistatus {
	ts.t.Helper()
	_, b := ts.must(http.StatusMultiStatus, user, "REPORT", path, body, "Depth", "1", "Content-Type", "application/xml")
	return parseMultistatus(ts.t, b)
}

// hrefs lists the decoded paths of the responses, sorted.
func (ms *multistatus) hrefs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range ms.Responses {
		for _, h := range r.Href {
			p, err := dx.DecodeHref(h)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func wantHrefs(t *testing.T, ms *multistatus, names ...string) {
	t.Helper()
	var want []string
	for _, n := range names {
		want = append(want, workPath+n)
	}
	sort.Strings(want)
	if got := ms.hrefs(t); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("hrefs %v, want %v", got, want)
	}
}

// stored returns an object's body as GET answers it: the bytes the
// server keeps, which may differ from those PUT (a VTIMEZONE added).
func (ts *testServer) stored(user, path string) string {
	ts.t.Helper()
	_, b := ts.must(http.StatusOK, user, "GET", path, "")
	return b
}

// calData returns the text of a response's C:calendar-data.
func calData(t *testing.T, ms *multistatus, name string) string {
	t.Helper()
	r := ms.response(workPath + name)
	if r == nil {
		t.Fatalf("no response for %s", name)
	}
	return propText(t, r, dx.CalDAVName("calendar-data"))
}

// propText returns the text of a property found with status 200.
func propText(t *testing.T, r *msResponse, name xml.Name) string {
	t.Helper()
	if r == nil {
		t.Fatalf("no response")
	}
	status, inner, ok := r.prop(name)
	if !ok || !strings.Contains(status, "200") {
		t.Fatalf("%s: %q %q", name.Local, status, inner)
	}
	var s struct {
		Text string `xml:",chardata"`
	}
	if err := xml.Unmarshal([]byte("<x>"+inner+"</x>"), &s); err != nil {
		t.Fatal(err)
	}
	return s.Text
}

// parsedData parses a response's calendar-data.
func parsedData(t *testing.T, ms *multistatus, name string) *goical.Calendar {
	t.Helper()
	cal, err := ical.Parse([]byte(calData(t, ms, name)))
	if err != nil {
		t.Fatalf("%s: calendar-data does not parse: %v", name, err)
	}
	return cal
}

// children returns the sub-components of c named name.
func children(c *goical.Component, name string) []*goical.Component {
	var out []*goical.Component
	for _, ch := range c.Children {
		if ch.Name == name {
			out = append(out, ch)
		}
	}
	return out
}

func propValue(c *goical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// TestRFC4791CalendarQueryExamples answers each calendar-query example of
// RFC 4791 §7.8.1–§7.8.9 on the Appendix B data with the RFC's results.
func TestRFC4791CalendarQueryExamples(t *testing.T) {
	ts := newTestServer(t)
	loadAppendixB(t, ts)

	t.Run("7.8.1 partial retrieval by time range", func(t *testing.T) {
		ms := ts.report("bob", workPath, rfcBody(t, "7.8.1"))
		wantHrefs(t, ms, "abcd2.ics", "abcd3.ics")
		cal := parsedData(t, ms, "abcd2.ics")
		if propValue(cal.Component, "VERSION") != "2.0" || len(children(cal.Component, "VTIMEZONE")) != 1 {
			t.Errorf("VCALENDAR lost VERSION or VTIMEZONE")
		}
		if tz := children(cal.Component, "VTIMEZONE")[0]; len(tz.Children) != 2 {
			t.Errorf("VTIMEZONE lost its rules")
		}
		evs := children(cal.Component, "VEVENT")
		if len(evs) != 3 {
			t.Fatalf("%d VEVENTs, want master and two overrides", len(evs))
		}
		allowed := "SUMMARY UID DTSTART DTEND DURATION RRULE RDATE EXRULE EXDATE RECURRENCE-ID"
		for _, ev := range evs {
			for name := range ev.Props {
				if !strings.Contains(allowed, name) {
					t.Errorf("VEVENT kept %s", name)
				}
			}
		}
		if ev := parsedData(t, ms, "abcd3.ics"); propValue(children(ev.Component, "VEVENT")[0], "SUMMARY") != "Event #3" {
			t.Errorf("abcd3 SUMMARY lost")
		}
	})

	t.Run("7.8.2 limit-recurrence-set", func(t *testing.T) {
		ms := ts.report("bob", workPath, rfcBody(t, "7.8.2"))
		wantHrefs(t, ms, "abcd2.ics", "abcd3.ics")
		var sums []string
		for _, ev := range children(parsedData(t, ms, "abcd2.ics").Component, "VEVENT") {
			sums = append(sums, propValue(ev, "SUMMARY"))
		}
		if strings.Join(sums, "|") != "Event #2|Event #2 bis" {
			t.Errorf("VEVENTs %q, want the master and the override of Jan 4", sums)
		}
		if got := calData(t, ms, "abcd3.ics"); got != ts.stored("bob", workPath+"abcd3.ics") {
			t.Errorf("abcd3 is not returned as stored")
		}
	})

	t.Run("7.8.3 expand", func(t *testing.T) {
		ms := ts.report("bob", workPath, rfcBody(t, "7.8.3"))
		wantHrefs(t, ms, "abcd2.ics", "abcd3.ics")
		cal := parsedData(t, ms, "abcd2.ics")
		if len(children(cal.Component, "VTIMEZONE")) != 0 {
			t.Errorf("expanded data kept VTIMEZONE")
		}
		var got []string
		for _, ev := range children(cal.Component, "VEVENT") {
			if ev.Props.Get("RRULE") != nil {
				t.Errorf("expanded instance kept RRULE")
			}
			got = append(got, propValue(ev, "DTSTART")+"/"+propValue(ev, "RECURRENCE-ID")+"/"+propValue(ev, "SUMMARY"))
		}
		want := "20060103T170000Z/20060103T170000Z/Event #2 20060104T190000Z/20060104T170000Z/Event #2 bis"
		if strings.Join(got, " ") != want {
			t.Errorf("instances %q\nwant %q", got, want)
		}
		evs := children(parsedData(t, ms, "abcd3.ics").Component, "VEVENT")
		if len(evs) != 1 || propValue(evs[0], "DTSTART") != "20060104T150000Z" || evs[0].Props.Get("RECURRENCE-ID") != nil {
			t.Errorf("abcd3 expanded wrongly")
		}
	})

	t.Run("7.8.4 limit-freebusy-set", func(t *testing.T) {
		ms := ts.report("bob", workPath, rfcBody(t, "7.8.4"))
		wantHrefs(t, ms, "abcd8.ics")
		fb := children(parsedData(t, ms, "abcd8.ics").Component, "VFREEBUSY")[0]
		ps := fb.Props.Values("FREEBUSY")
		if len(ps) != 1 || ps[0].Value != "20060102T100000Z/20060102T120000Z" || ps[0].Params.Get("FBTYPE") != "BUSY-TENTATIVE" {
			t.Errorf("FREEBUSY %+v, want the BUSY-TENTATIVE period of Jan 2 only", ps)
		}
		if propValue(fb, "DTSTART") != "20060101T000000Z" || propValue(fb, "ORGANIZER") == "" {
			t.Errorf("other VFREEBUSY properties lost")
		}
	})

	t.Run("7.8.5 VALARM time range", func(t *testing.T) {
		ms := ts.report("bob", workPath, rfcBody(t, "7.8.5"))
		wantHrefs(t, ms, "abcd5.ics")
		if calData(t, ms, "abcd5.ics") != ts.stored("bob", workPath+"abcd5.ics") {
			t.Errorf("whole calendar-data is not the stored bytes")
		}
	})
	for _, c := range []struct{ section, want string }{
		{"7.8.6", "abcd3.ics"},
		{"7.8.7", "abcd3.ics"},
		{"7.8.8", "abcd1.ics abcd2.ics abcd3.ics"},
		{"7.8.9", "abcd4.ics abcd5.ics"},
	} {
		t.Run(c.section, func(t *testing.T) {
			ms := ts.report("bob", workPath, rfcBody(t, c.section))
			wantHrefs(t, ms, strings.Fields(c.want)...)
			for _, n := range strings.Fields(c.want) {
				if calData(t, ms, n) != ts.stored("bob", workPath+n) {
					t.Errorf("%s: calendar-data is not the stored object", n)
				}
			}
		})
	}
}

// TestCalendarQueryOnObjectAndDepth0 covers Depth 0: on an object the
// filter applies to it; on the collection nothing matches.
func TestCalendarQueryOnObjectAndDepth0(t *testing.T) {
	ts := newTestServer(t)
	loadAppendixB(t, ts)
	body := rfcBody(t, "7.8.6")
	if supportsReport(&resource{kind: resObject}, dx.ReportCalendarQuery) {
		_, b := ts.must(http.StatusMultiStatus, "bob", "REPORT", workPath+"abcd3.ics", body, "Depth", "0")
		wantHrefs(t, parseMultistatus(t, b), "abcd3.ics")
		_, b = ts.must(http.StatusMultiStatus, "bob", "REPORT", workPath+"abcd1.ics", body, "Depth", "0")
		wantHrefs(t, parseMultistatus(t, b))
	} else {
		t.Log("calendar-query on an object is not in supportedReports (props.go) yet")
	}
	_, b := ts.must(http.StatusMultiStatus, "bob", "REPORT", workPath, body, "Depth", "0")
	wantHrefs(t, parseMultistatus(t, b))
	// Clients that omit Depth mean the members.
	_, b = ts.must(http.StatusMultiStatus, "bob", "REPORT", workPath, body)
	wantHrefs(t, parseMultistatus(t, b), "abcd3.ics")
}

// TestCalendarQueryBadInput checks statuses and precondition elements of
// refused queries, and that nothing of the calendar leaks in them.
func TestCalendarQueryBadInput(t *testing.T) {
	ts := newTestServer(t)
	loadAppendixB(t, ts)
	query := func(filter string) string {
		return `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>` +
			`<C:filter>` + filter + `</C:filter></C:calendar-query>`
	}
	cases := []struct {
		name, body string
		status     int
		cond       xml.Name
	}{
		{"unknown report", `<D:no-such-report xmlns:D="DAV:"/>`, http.StatusForbidden, dx.DAVName("supported-report")},
		{"malformed XML", `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>`, http.StatusBadRequest, xml.Name{}},
		{"top level not VCALENDAR", query(`<C:comp-filter name="VEVENT"/>`), http.StatusForbidden, condValidFilter},
		{"end before start", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20060105T000000Z" end="20060104T000000Z"/></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"time not UTC", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20060104T000000" end="20060105T000000Z"/></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"time-range on VCALENDAR", query(`<C:comp-filter name="VCALENDAR"><C:time-range start="20060104T000000Z"/></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		// RFC 4791 §9.7.1, RFC 5545 §3.6: a comp-filter names a component
		// where one can be; §9.9: a time-range only where it has a meaning.
		{"VEVENT inside VEVENT", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:comp-filter name="VEVENT"/></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"VEVENT inside VALARM", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:comp-filter name="VALARM"><C:comp-filter name="VEVENT"/></C:comp-filter></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"VALARM directly under VCALENDAR", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VALARM"/></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"time-range on a text property", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:time-range start="20060104T000000Z"/></C:prop-filter></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"time-range on VTIMEZONE", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTIMEZONE"><C:time-range start="20060104T000000Z"/></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"time-range on STANDARD", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTIMEZONE"><C:comp-filter name="STANDARD"><C:time-range start="20060104T000000Z"/></C:comp-filter></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"time-range on an X- component", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="X-THING"><C:time-range start="20060104T000000Z"/></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condValidFilter},
		{"unknown collation", query(`<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>`),
			http.StatusForbidden, condSupportedCollation},
		{"calendar-data media type", `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data content-type="application/json"/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`,
			http.StatusForbidden, condSupportedCalendarData},
		{"unknown timezone-id", `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter><C:timezone-id>Mars/Olympus</C:timezone-id></C:calendar-query>`,
			http.StatusForbidden, condValidTimezoneID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := ts.do("bob", "REPORT", workPath, c.body, "Depth", "1")
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, c.status, b)
			}
			if c.cond.Local != "" && errorCondition(t, b) != c.cond {
				t.Errorf("condition %v, want %v", errorCondition(t, b), c.cond)
			}
			if strings.Contains(b, "Event #") || strings.Contains(b, "abcd") {
				t.Errorf("error body leaks calendar data: %s", b)
			}
		})
	}
	// Another user's calendar: refused before anything is read.
	resp, b := ts.do("alice", "REPORT", workPath, rfcBody(t, "7.8.8"), "Depth", "1")
	if resp.StatusCode != http.StatusForbidden || strings.Contains(b, "Event #") {
		t.Errorf("alice querying bob's calendar: %d %s", resp.StatusCode, b)
	}
}

// countingStore counts the store calls that read object text.
type countingStore struct {
	backend.Store
	objectCalls, dataURIs, dataLists atomic.Int64
}

// Object counts and forwards.
func (c *countingStore) Object(ctx context.Context, calID int64, uri string) (*backend.Object, error) {
	c.objectCalls.Add(1)
	return c.Store.Object(ctx, calID, uri)
}

// ListObjects counts listings with data and forwards.
func (c *countingStore) ListObjects(ctx context.Context, calID int64, opts *backend.ListOptions) ([]*backend.Object, error) {
	if opts != nil && opts.WithData {
		c.dataLists.Add(1)
		c.dataURIs.Add(int64(len(opts.URIs)))
	}
	return c.Store.ListObjects(ctx, calID, opts)
}

// TestTimeRangeQueryUsesIndex: a one-week getetag query over 120 events
// and tasks reads object text only for the few the index cannot decide
// (a task touching the range boundary, a dateless task), and answers as a
// full evaluation of every object does.
func TestTimeRangeQueryUsesIndex(t *testing.T) {
	ts := newTestServer(t)
	counting := &countingStore{Store: ts.store}
	ts.srv.Config.Handler = newHandler(counting, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	cal, tasks := "/dav/calendars/users/bob/calendar/", "/dav/calendars/users/bob/tasks/"
	day := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		ts.put("bob", cal+"e"+strconv.Itoa(i)+".ics", event("e"+strconv.Itoa(i), day.AddDate(0, 0, i).Format("20060102T150405Z"), "E"))
	}
	ts.put("bob", cal+"weekly.ics", strings.Replace(event("weekly", "20260101T090000Z", "W"), "SUMMARY", "RRULE:FREQ=WEEKLY\r\nSUMMARY", 1))
	for i := 0; i < 18; i++ {
		ts.put("bob", tasks+"t"+strconv.Itoa(i)+".ics", withUID("t"+strconv.Itoa(i), "VTODO", "DUE:"+day.AddDate(0, 0, i*5).Format("20060102T150405Z")+"\r\n"))
	}
	ts.put("bob", tasks+"edge.ics", withUID("edge", "VTODO", "DTSTART:20260309T230000Z\r\nDURATION:PT1H\r\n")) // ends at the range start
	ts.put("bob", tasks+"someday.ics", withUID("someday", "VTODO", "SUMMARY:no dates\r\n"))

	const start, end = "20260310T000000Z", "20260317T000000Z"
	for _, c := range []struct{ path, comp string }{{cal, "VEVENT"}, {tasks, "VTODO"}} {
		counting.objectCalls.Store(0)
		counting.dataURIs.Store(0)
		body := `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="` + c.comp + `"><C:time-range start="` + start + `" end="` + end + `"/>
</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`
		got := parseMultistatus(t, func() string {
			_, b := ts.must(http.StatusMultiStatus, "bob", "REPORT", c.path, body, "Depth", "1")
			return b
		}()).hrefs(t)
		if n := counting.objectCalls.Load(); n != 0 {
			t.Errorf("%s: %d Object calls", c.comp, n)
		}
		if n := counting.dataURIs.Load(); n > 2 {
			t.Errorf("%s: text of %d objects read, want at most the 2 undecidable ones", c.comp, n)
		}
		// The same answer by brute force.
		objs, err := ts.store.ListObjects(context.Background(), calendarID(t, ts, c.path), &backend.ListOptions{WithData: true})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, o := range objs {
			if match(t, string(o.Data), rangeFilter(c.comp, start, end)) {
				want = append(want, c.path+o.URI)
			}
		}
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: index answer\n%v\nfull evaluation\n%v", c.comp, got, want)
		}
		if len(want) < 3 {
			t.Errorf("%s: only %d matches; the test data is wrong", c.comp, len(want))
		}
	}
}

// calendarID returns the store id of a collection path of bob's.
func calendarID(t *testing.T, ts *testServer, path string) int64 {
	t.Helper()
	uri := strings.TrimSuffix(strings.TrimPrefix(path, "/dav/calendars/users/bob/"), "/")
	c, err := ts.store.Calendar(context.Background(), ts.users["bob"].ID, uri)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// withUID is wrap with another UID.
func withUID(uid, comp, body string) string {
	return strings.Replace(wrap(comp, body), "UID:x\r\n", "UID:"+uid+"\r\n", 1)
}
