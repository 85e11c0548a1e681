package caldav

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

const cal = "/dav/calendars/users/alice/calendar/"

func TestPutGetConditional(t *testing.T) {
	ts := newTestServer(t)
	ics := event("e1", "20260301T100000Z", "First")
	etag := ts.put("alice", cal+"e1.ics", ics)
	if etag == "" || strings.HasPrefix(etag, "W/") {
		t.Fatalf("PUT returned ETag %q, want a strong one", etag)
	}
	resp, body := ts.must(200, "alice", "GET", cal+"e1.ics", "")
	if body != ics || resp.Header.Get("ETag") != etag || resp.Header.Get("Last-Modified") == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar; charset=utf-8") {
		t.Fatalf("GET: %v %q", resp.Header, body)
	}
	resp, body = ts.must(200, "alice", "HEAD", cal+"e1.ics", "")
	if body != "" || resp.Header.Get("ETag") != etag {
		t.Fatalf("HEAD: %v %q", resp.Header, body)
	}
	ts.must(304, "alice", "GET", cal+"e1.ics", "", "If-None-Match", etag)
	ts.must(412, "alice", "GET", cal+"e1.ics", "", "If-Match", `"nope"`)

	// If-None-Match: * refuses to overwrite; a stale If-Match refuses too.
	ts.must(412, "alice", "PUT", cal+"e1.ics", event("e1", "20260301T100000Z", "Clobber"), "If-None-Match", "*")
	ts.must(412, "alice", "PUT", cal+"e1.ics", event("e1", "20260301T100000Z", "Clobber"), "If-Match", `"stale"`)
	ts.must(412, "alice", "PUT", cal+"new.ics", event("new", "20260301T100000Z", "New"), "If-Match", etag)
	if _, body := ts.must(200, "alice", "GET", cal+"e1.ics", ""); body != ics {
		t.Fatal("a failed precondition changed the object")
	}
	resp, _ = ts.must(204, "alice", "PUT", cal+"e1.ics", event("e1", "20260301T100000Z", "Second"), "If-Match", etag)
	if resp.Header.Get("ETag") == etag || resp.Header.Get("ETag") == "" {
		t.Fatalf("update ETag %q", resp.Header.Get("ETag"))
	}
	ts.must(412, "alice", "DELETE", cal+"e1.ics", "", "If-Match", etag)
	ts.must(204, "alice", "DELETE", cal+"e1.ics", "", "If-Match", resp.Header.Get("ETag"))
	ts.must(404, "alice", "GET", cal+"e1.ics", "")
	ts.must(404, "alice", "DELETE", cal+"e1.ics", "")
}

func TestPutPreconditions(t *testing.T) {
	ts := newTestServer(t)
	keep := event("keep", "20260301T100000Z", "Keep")
	ts.put("alice", cal+"keep.ics", keep)
	twoUIDs := strings.Replace(event("a", "20260301T100000Z", "A"), "END:VCALENDAR\r\n",
		"BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 1)
	withMethod := strings.Replace(event("m", "20260301T100000Z", "M"), "VERSION:2.0\r\n", "VERSION:2.0\r\nMETHOD:REQUEST\r\n", 1)
	todo := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VTODO\r\nUID:t1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Task\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
	// A rule whose expansion to the index window exceeds the iteration
	// budget: a COUNT (which cannot be skipped ahead) of seconds since 1900.
	// An endless SECONDLY rule from now is stored, its index bounded to
	// max-instances (TestPutLongSeries).
	hostile := strings.Replace(strings.Replace(event("h", "20260301T100000Z", "H"), "DTSTART:20260301T100000Z", "DTSTART:19000101T000000Z", 1),
		"DURATION:PT1H\r\n", "DURATION:PT1S\r\nRRULE:FREQ=MINUTELY;BYSECOND=0,30;COUNT=1000000000\r\n", 1)
	cases := []struct {
		name, path, body, ctype string
		status                  int
		cond                    string
	}{
		{"not iCalendar", "x1.ics", "hello", "text/calendar", 403, "valid-calendar-data"},
		{"truncated", "x2.ics", keep[:60], "text/calendar", 403, "valid-calendar-data"},
		{"wrong media type", "x3.ics", keep, "text/plain", 415, "supported-calendar-data"},
		{"two UIDs", "x4.ics", twoUIDs, "text/calendar", 403, "valid-calendar-object-resource"},
		{"METHOD", "x5.ics", withMethod, "text/calendar", 403, "valid-calendar-object-resource"},
		{"VTODO in an events calendar", "x6.ics", todo, "text/calendar", 403, "supported-calendar-component"},
		{"duplicate UID", "x7.ics", strings.Replace(keep, "SUMMARY:Keep", "SUMMARY:Other", 1), "text/calendar", 403, "no-uid-conflict"},
		{"too large", "x8.ics", strings.Replace(keep, "SUMMARY:Keep", "SUMMARY:"+strings.Repeat("x", 1<<20), 1), "text/calendar", 413, "max-resource-size"},
		{"a COUNT of seconds since 1900", "x9.ics", hostile, "text/calendar", 403, "max-instances"},
	}
	for _, c := range cases {
		resp, body := ts.do("alice", "PUT", cal+c.path, c.body, "Content-Type", c.ctype)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d\n%s", c.name, resp.StatusCode, c.status, body)
			continue
		}
		if got := errorCondition(t, body); got != dx.CalDAVName(c.cond) {
			t.Errorf("%s: condition %v, want %s", c.name, got, c.cond)
		}
		if c.cond == "no-uid-conflict" && !strings.Contains(body, "<D:href>"+cal+"keep.ics</D:href>") {
			t.Errorf("no-uid-conflict does not name the other resource:\n%s", body)
		}
		ts.must(404, "alice", "GET", cal+c.path, "")
	}
	if _, body := ts.must(200, "alice", "GET", cal+"keep.ics", ""); body != keep {
		t.Fatal("a refused PUT changed another object")
	}
	// A PUT of another UID over an existing object would change its UID
	// (RFC 4791 §5.3.2.1): refused, naming the object, for every component.
	ts.put("alice", "/dav/calendars/users/alice/tasks/t.ics", todo)
	for path, body := range map[string]string{cal + "keep.ics": event("other", "20260301T100000Z", "Keep"),
		"/dav/calendars/users/alice/tasks/t.ics": strings.Replace(todo, "UID:t1", "UID:t2", 1)} {
		resp, got := ts.do("alice", "PUT", path, body, "Content-Type", "text/calendar")
		if resp.StatusCode != 403 || errorCondition(t, got) != dx.CalDAVName("no-uid-conflict") || !strings.Contains(got, "<D:href>"+path+"</D:href>") {
			t.Errorf("PUT of another UID over %s: %d\n%s", path, resp.StatusCode, got)
		}
	}
	if _, body := ts.must(200, "alice", "GET", "/dav/calendars/users/alice/tasks/t.ics", ""); body != todo {
		t.Fatal("a refused UID change changed the task")
	}
	// PUT where no calendar is: into the home, into the inbox, below a missing calendar.
	ts.must(405, "alice", "PUT", "/dav/calendars/users/alice/calendar/", keep)
	ts.must(403, "alice", "PUT", "/dav/calendars/users/alice/inbox/x.ics", keep)
	ts.must(409, "alice", "PUT", "/dav/calendars/users/alice/missing/x.ics", keep)
}

func TestPutOverridesOnly(t *testing.T) {
	ts := newTestServer(t)
	// An attendee invited to one occurrence holds only the override.
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:series-1\r\nDTSTAMP:20260101T000000Z\r\n" +
		"RECURRENCE-ID:20260303T100000Z\r\nDTSTART:20260303T110000Z\r\nDURATION:PT1H\r\nSUMMARY:Moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	ts.put("alice", cal+"override.ics", ics)
}

func TestPutNonASCIIAndEncodedNames(t *testing.T) {
	ts := newTestServer(t)
	ts.put("alice", cal+"caf%C3%A9%20meeting%40x.ics", event("cafe", "20260301T100000Z", "Café"))
	_, body := ts.must(207, "alice", "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
	ms := parseMultistatus(t, body)
	if ms.response(cal+"café meeting@x.ics") == nil {
		t.Fatalf("encoded name not listed as such:\n%s", body)
	}
	if !strings.Contains(body, "caf%C3%A9%20meeting") {
		t.Fatalf("href not percent-encoded:\n%s", body)
	}
	ts.must(200, "alice", "GET", cal+"caf%C3%A9%20meeting%40x.ics", "")
}

func TestCollectionGetMergesTimezones(t *testing.T) {
	ts := newTestServer(t)
	tz := "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" +
		"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
		"TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
	for i := 0; i < 3; i++ {
		ics := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n%sBEGIN:VEVENT\r\nUID:tz%d\r\nDTSTAMP:20260101T000000Z\r\n"+
			"DTSTART;TZID=Europe/Berlin:20260301T10%02d00\r\nDURATION:PT1H\r\nSUMMARY:E%d\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", tz, i, i, i)
		ts.put("alice", cal+fmt.Sprintf("tz%d.ics", i), ics)
	}
	resp, body := ts.must(200, "alice", "GET", cal, "")
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") || strings.Count(body, "BEGIN:VTIMEZONE") != 1 ||
		strings.Count(body, "BEGIN:VEVENT") != 3 || strings.Count(body, "BEGIN:VCALENDAR") != 1 {
		t.Fatalf("collection GET:\n%s", body)
	}
	ts.must(304, "alice", "GET", cal, "", "If-None-Match", resp.Header.Get("ETag"))
	if resp.Header.Get("ETag") == "" {
		t.Fatal("collection GET has no ETag")
	}
	_ = http.StatusOK
}

// TestPutWithoutVTimezone: RFC 7809 lets clients leave out VTIMEZONEs the
// server knows; the stored object then carries it, and since the stored
// bytes differ from those sent, no ETag is returned (RFC 4791 §5.3.4).
func TestPutWithoutVTimezone(t *testing.T) {
	ts := newTestServer(t)
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:notz\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART;TZID=Europe/Berlin:20260301T100000\r\nDURATION:PT1H\r\nSUMMARY:No VTIMEZONE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	resp, _ := ts.must(http.StatusCreated, "alice", "PUT", cal+"notz.ics", ics, "Content-Type", "text/calendar")
	if resp.Header.Get("ETag") != "" {
		t.Fatalf("ETag returned for bytes the server changed")
	}
	_, body := ts.must(200, "alice", "GET", cal+"notz.ics", "")
	if strings.Count(body, "BEGIN:VTIMEZONE") != 1 || !strings.Contains(body, "TZID:Europe/Berlin") ||
		!strings.Contains(body, "SUMMARY:No VTIMEZONE") || strings.Index(body, "BEGIN:VTIMEZONE") > strings.Index(body, "BEGIN:VEVENT") {
		t.Fatalf("stored object:\n%s", body)
	}
	// With the VTIMEZONE present, the bytes are kept and the ETag returned.
	resp, _ = ts.must(http.StatusNoContent, "alice", "PUT", cal+"notz.ics", body, "Content-Type", "text/calendar")
	if resp.Header.Get("ETag") == "" {
		t.Fatal("no ETag for unchanged bytes")
	}
}

// TestResourceNamesRefused: a new resource whose name holds control
// characters or is longer than 255 bytes is refused with 403 and a
// reason; a path with NUL or bytes that are not UTF-8 is a bad request.
// Nothing is written.
func TestResourceNamesRefused(t *testing.T) {
	ts := newTestServer(t)
	ics := event("n", "20260301T100000Z", "N")
	for path, want := range map[string]int{
		cal + "a%0D%0Ab.ics":               403,
		cal + "tab%09.ics":                 403,
		cal + strings.Repeat("x", 300):     403,
		cal + "nul%00.ics":                 400,
		cal + "bad%FF.ics":                 400,
		cal + "dir%01/":                    403, // MKCOL below
		"/dav/calendars/users/alice/c%0A/": 403, // MKCALENDAR below
	} {
		method := "PUT"
		switch {
		case strings.HasPrefix(path, cal) && strings.HasSuffix(path, "/"):
			method = "MKCOL"
		case strings.HasSuffix(path, "/"):
			method = "MKCALENDAR"
		}
		data := ics
		if method != "PUT" {
			data = ""
		}
		resp, body := ts.do("alice", method, path, data, "Content-Type", "text/calendar")
		if resp.StatusCode != want || !strings.Contains(body, "name") && !strings.Contains(body, "path") {
			t.Errorf("%s %q: %d, want %d with a reason\n%s", method, path, resp.StatusCode, want, body)
		}
	}
	ts.put("alice", cal+"ok.ics", ics)
	resp, body := ts.do("alice", "MOVE", cal+"ok.ics", "", "Destination", ts.srv.URL+cal+"x%0Dy.ics")
	if resp.StatusCode != 403 {
		t.Errorf("MOVE to a name with CR: %d %s", resp.StatusCode, body)
	}
	_, body = ts.must(207, "alice", "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
	if got := parseMultistatus(t, body).hrefs(t); len(got) != 2 {
		t.Fatalf("after refused names the calendar holds %v", got)
	}
}
