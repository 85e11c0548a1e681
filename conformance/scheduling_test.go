package conformance

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin for TZID-relative times, whatever the machine has

	"github.com/emersion/go-ical"
)

// RFC 6638 (CalDAV scheduling) black-box tests: implicit scheduling on PUT
// and DELETE between three users and a room, and the free-busy POST to the
// outbox. The room-booking race is in roomrace_test.go, python3-caldav's
// scheduling helpers in pysched_test.go.

// The room of the scheduling tests, created with `kalends room add`.
const (
	schedRoomName     = "room-101"
	schedRoomEmail    = "room101@example.com"
	schedRoomCapacity = 8
)

// schedRoomAddr is the room's calendar user address.
const schedRoomAddr = "mailto:" + schedRoomEmail

// mailtoOf is the calendar user address of a test user (kalends user add
// --email NAME@example.com).
func mailtoOf(user string) string { return "mailto:" + user + "@example.com" }

// schedBerlin is the time zone of the weekly meeting.
var schedBerlin = mustLoadLocation("Europe/Berlin")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// addRoom runs `kalends room add NAME --email E --capacity N --database DB`,
// as an administrator would.
func (s *server) addRoom(t *testing.T, name, email string, capacity int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	args := []string{"room", "add", name, "--email", email, "--capacity", strconv.Itoa(capacity), "--database", s.database}
	cmd := exec.CommandContext(ctx, kalendsBin, args...)
	cmd.Env = kalendsEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kalends %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// doErr is do for goroutines other than the test's: it reports transport
// errors instead of failing the test.
func (s *server) doErr(rq request) (*response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, s.url(rq.path), body)
	if err != nil {
		return nil, err
	}
	if rq.user != "" {
		req.SetBasicAuth(rq.user, s.users[rq.user])
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirectClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: data, req: rq.method + " " + rq.path}, nil
}

// schedExchange prints a request and its answer in full, for failure
// messages the engineers wiring scheduling can act on.
func schedExchange(rq request, r *response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- request ---\n%s %s (as %s)\n", rq.method, rq.path, rq.user)
	for k, v := range rq.header {
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	if rq.body != "" {
		b.WriteString("\n" + strings.ReplaceAll(rq.body, "\r\n", "\n"))
	}
	if r == nil {
		b.WriteString("--- no response ---\n")
		return b.String()
	}
	fmt.Fprintf(&b, "\n--- response ---\n%d %s\n", r.Status, http.StatusText(r.Status))
	for _, k := range []string{"Content-Type", "ETag", "Schedule-Tag", "DAV"} {
		if v := r.Header.Get(k); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	if len(r.Body) > 0 {
		b.WriteString("\n" + strings.ReplaceAll(string(r.Body), "\r\n", "\n"))
	}
	return b.String()
}

// --- calendar objects ------------------------------------------------------

// schedObj is a calendar object as GET returns it.
type schedObj struct {
	path, etag, schedTag string
	raw                  string
	cal                  *ical.Calendar
}

// schedGet GETs an object; nil when it does not exist (404).
func schedGet(t *testing.T, srv *server, user, path string) *schedObj {
	t.Helper()
	r := srv.do(t, request{method: http.MethodGet, path: path, user: user})
	if r.Status == http.StatusNotFound {
		return nil
	}
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s as %s: status %d\n%s", path, user, r.Status, r.Body)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(r.Body)).Decode()
	if err != nil {
		t.Fatalf("GET %s as %s: not iCalendar: %v\n%s", path, user, err, r.Body)
	}
	return &schedObj{path: path, etag: r.Header.Get("ETag"), schedTag: r.Header.Get("Schedule-Tag"), raw: string(r.Body), cal: cal}
}

// schedMembers lists the non-collection members of a collection (PROPFIND
// Depth 1).
func schedMembers(t *testing.T, srv *server, user, coll string) []string {
	t.Helper()
	ms := decodeMultistatus(t, srv.propfind(t, user, coll, "1", propfindBody(davName("getetag"), davName("resourcetype"))))
	var out []string
	for i := range ms.Responses {
		r := &ms.Responses[i]
		if strings.HasSuffix(r.href(), "/") {
			continue
		}
		out = append(out, r.href())
	}
	return out
}

// schedFindAll returns every member of coll whose UID is uid.
func schedFindAll(t *testing.T, srv *server, user, coll, uid string) []*schedObj {
	t.Helper()
	var out []*schedObj
	for _, href := range schedMembers(t, srv, user, coll) {
		if o := schedGet(t, srv, user, href); o != nil && objectUID(o.cal) == uid {
			out = append(out, o)
		}
	}
	return out
}

// schedFind returns the member of a calendar whose UID is uid, or nil. More
// than one is an error (RFC 4791 §4.1: one resource per UID).
func schedFind(t *testing.T, srv *server, user, coll, uid string) *schedObj {
	t.Helper()
	all := schedFindAll(t, srv, user, coll, uid)
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	var hrefs []string
	for _, o := range all {
		hrefs = append(hrefs, o.path)
	}
	t.Errorf("%s holds %d objects with UID %s: %v", coll, len(all), uid, hrefs)
	return all[0]
}

// schedMethods returns the METHOD of each inbox message with the given UID.
func schedMethods(t *testing.T, srv *server, user, uid string) []string {
	t.Helper()
	var out []string
	for _, o := range schedFindAll(t, srv, user, homePath(user)+"inbox/", uid) {
		m := "(none)"
		if p := o.cal.Props.Get(ical.PropMethod); p != nil {
			m = strings.ToUpper(p.Value)
		}
		out = append(out, m)
	}
	return out
}

// wantInboxMessage fails unless user's inbox holds a message with METHOD
// method for uid.
func wantInboxMessage(t *testing.T, srv *server, user, uid, method string) {
	t.Helper()
	if got := schedMethods(t, srv, user, uid); !slices.Contains(got, method) {
		t.Errorf("%s's inbox (%s): no METHOD:%s message for UID %s (messages for it: %v)", user,
			homePath(user)+"inbox/", method, uid, got)
	}
}

// schedEncode serializes a calendar with CRLF line endings.
func schedEncode(t *testing.T, cal *ical.Calendar) string {
	t.Helper()
	var b bytes.Buffer
	if err := ical.NewEncoder(&b).Encode(cal); err != nil {
		t.Fatalf("encoding iCalendar: %v", err)
	}
	return b.String()
}

// schedMaster returns the VEVENT without RECURRENCE-ID, or nil.
func schedMaster(cal *ical.Calendar) *ical.Component {
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent && c.Props.Get(ical.PropRecurrenceID) == nil {
			return c
		}
	}
	return nil
}

// schedOverride returns the VEVENT whose RECURRENCE-ID is the instant rid.
func schedOverride(cal *ical.Calendar, rid time.Time) *ical.Component {
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		if p := c.Props.Get(ical.PropRecurrenceID); p != nil && schedPropTime(p).Equal(rid) {
			return c
		}
	}
	return nil
}

// schedPropTime is the instant of a DATE-TIME property (TZID honoured);
// the zero time when it does not parse.
func schedPropTime(p *ical.Prop) time.Time {
	if p == nil {
		return time.Time{}
	}
	tm, err := p.DateTime(time.UTC)
	if err != nil {
		return time.Time{}
	}
	return tm
}

// schedExdates lists the instants of all EXDATE values of a component.
func schedExdates(c *ical.Component) []time.Time {
	var out []time.Time
	for _, p := range c.Props.Values(ical.PropExceptionDates) {
		for _, v := range strings.Split(p.Value, ",") {
			q := ical.Prop{Name: p.Name, Params: p.Params, Value: v}
			out = append(out, schedPropTime(&q))
		}
	}
	return out
}

// schedOccurrenceCancelled reports whether the occurrence at rid is gone
// from the object: an EXDATE, or an override with STATUS:CANCELLED.
func schedOccurrenceCancelled(cal *ical.Calendar, rid time.Time) bool {
	if m := schedMaster(cal); m != nil {
		for _, ex := range schedExdates(m) {
			if ex.Equal(rid) {
				return true
			}
		}
	}
	if o := schedOverride(cal, rid); o != nil {
		if s := o.Props.Get(ical.PropStatus); s != nil && strings.EqualFold(s.Value, "CANCELLED") {
			return true
		}
	}
	return false
}

// sameAddress compares calendar user addresses: mailto: scheme and case
// do not matter.
func sameAddress(a, b string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		return strings.TrimPrefix(s, "mailto:")
	}
	return norm(a) == norm(b)
}

// schedAttendee returns the ATTENDEE property of addr in c, or nil.
func schedAttendee(c *ical.Component, addr string) *ical.Prop {
	if c == nil {
		return nil
	}
	atts := c.Props[ical.PropAttendee]
	for i := range atts {
		if sameAddress(atts[i].Value, addr) {
			return &atts[i]
		}
	}
	return nil
}

// schedPartstat is addr's PARTSTAT in c ("NEEDS-ACTION" when absent, RFC
// 5545 §3.2.12), or "(not an attendee)".
func schedPartstat(c *ical.Component, addr string) string {
	p := schedAttendee(c, addr)
	if p == nil {
		return "(not an attendee)"
	}
	if v := p.Params.Get(ical.ParamParticipationStatus); v != "" {
		return strings.ToUpper(v)
	}
	return "NEEDS-ACTION"
}

// schedSetPartstat sets addr's PARTSTAT in c, as a client does when its
// user answers, and drops RSVP.
func schedSetPartstat(t *testing.T, c *ical.Component, addr, partstat string) {
	t.Helper()
	p := schedAttendee(c, addr)
	if p == nil {
		t.Fatalf("no ATTENDEE %s in the %s to answer", addr, c.Name)
	}
	p.Params.Set(ical.ParamParticipationStatus, partstat)
	p.Params.Del(ical.ParamRSVP)
}

// schedClone deep-copies a component.
func schedClone(c *ical.Component) *ical.Component {
	out := ical.NewComponent(c.Name)
	for name, props := range c.Props {
		for _, p := range props {
			q := ical.Prop{Name: p.Name, Value: p.Value, Params: ical.Params{}}
			for k, v := range p.Params {
				q.Params[k] = slices.Clone(v)
			}
			out.Props[name] = append(out.Props[name], q)
		}
	}
	for _, ch := range c.Children {
		out.Children = append(out.Children, schedClone(ch))
	}
	return out
}

// schedOccurrence makes an override of master for the occurrence at
// original (a Berlin wall-clock time), starting at start for dur.
func schedOccurrence(master *ical.Component, original, start time.Time, dur time.Duration) *ical.Component {
	o := schedClone(master)
	for _, n := range []string{ical.PropRecurrenceRule, ical.PropRecurrenceDates, ical.PropExceptionDates} {
		o.Props.Del(n)
	}
	set := func(name string, tm time.Time) {
		p := ical.NewProp(name)
		p.SetDateTime(tm)
		p.Params.Del(ical.ParamValue)
		o.Props.Set(p)
	}
	set(ical.PropRecurrenceID, original)
	set(ical.PropDateTimeStart, start)
	set(ical.PropDateTimeEnd, start.Add(dur))
	return o
}

// wantPartstats fails unless c (labelled for messages) gives each address
// the PARTSTAT wanted.
func wantPartstats(t *testing.T, label string, c *ical.Component, raw string, want map[string]string) {
	t.Helper()
	if c == nil {
		t.Errorf("%s: no such component\n%s", label, raw)
		return
	}
	var bad []string
	for _, addr := range sortedKeys(want) {
		if got := schedPartstat(c, addr); got != want[addr] {
			bad = append(bad, fmt.Sprintf("%s is %s, want %s", addr, got, want[addr]))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: %s\n%s", label, strings.Join(bad, "; "), raw)
	}
}

// wantScheduleStatus fails unless the ATTENDEE addr in the organizer's copy
// carries a SCHEDULE-STATUS telling of a delivery: 1.x pending, sent or
// delivered. Only delivery codes belong there (RFC 6638 §3.2.9, §7.3);
// 2.0 is an iTIP REQUEST-STATUS, never a SCHEDULE-STATUS.
func wantScheduleStatus(t *testing.T, label string, c *ical.Component, raw, addr string) {
	t.Helper()
	p := schedAttendee(c, addr)
	if p == nil {
		t.Errorf("%s: no ATTENDEE %s\n%s", label, addr, raw)
		return
	}
	st := p.Params.Get("SCHEDULE-STATUS")
	if st == "" {
		t.Errorf("%s: ATTENDEE %s has no SCHEDULE-STATUS (RFC 6638 §3.2.9, §7.3: the server adds it for each attendee it scheduled)\n%s", label, addr, raw)
		return
	}
	if !strings.HasPrefix(st, "1.") {
		t.Errorf("%s: ATTENDEE %s has SCHEDULE-STATUS %s, want a delivery code 1.x (RFC 6638 §3.2.9)\n%s", label, addr, st, raw)
	}
}

// --- free-busy POST (RFC 6638 §5) -----------------------------------------

// schedPeriod is a busy interval in UTC.
type schedPeriod struct{ start, end time.Time }

func (p schedPeriod) String() string {
	return p.start.UTC().Format("20060102T150405Z") + "/" + p.end.UTC().Format("20060102T150405Z")
}

// schedMerge sorts periods and joins those that overlap or touch.
func schedMerge(ps []schedPeriod) []schedPeriod {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b schedPeriod) int { return a.start.Compare(b.start) })
	var out []schedPeriod
	for _, p := range ps {
		if n := len(out); n > 0 && !p.start.After(out[n-1].end) {
			if p.end.After(out[n-1].end) {
				out[n-1].end = p.end
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

// schedFBAnswer is one recipient's part of a schedule-response.
type schedFBAnswer struct {
	status string        // request-status
	busy   []schedPeriod // FREEBUSY of every BUSY* type, merged
	data   string        // calendar-data
	err    string        // what could not be parsed
}

// scheduleResponse is the body of an outbox POST answer (RFC 6638 §10.1).
type scheduleResponse struct {
	XMLName   xml.Name `xml:"urn:ietf:params:xml:ns:caldav schedule-response"`
	Responses []struct {
		Recipient struct {
			Hrefs []string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav recipient"`
		RequestStatus string `xml:"urn:ietf:params:xml:ns:caldav request-status"`
		CalendarData  string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
	} `xml:"urn:ietf:params:xml:ns:caldav response"`
}

// schedFreeBusyRequest builds the POST of a VFREEBUSY REQUEST from user to
// recipients for [start, end); with thunderbird, it adds the old-draft
// Originator and Recipient headers Thunderbird sends.
func schedFreeBusyRequest(user string, start, end time.Time, thunderbird bool, recipients ...string) request {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\nMETHOD:REQUEST\nBEGIN:VFREEBUSY\n")
	fmt.Fprintf(&b, "UID:fb-%d@kalends.test\nDTSTAMP:%s\n", time.Now().UnixNano(), time.Now().UTC().Format("20060102T150405Z"))
	fmt.Fprintf(&b, "DTSTART:%s\nDTEND:%s\n", start.UTC().Format("20060102T150405Z"), end.UTC().Format("20060102T150405Z"))
	fmt.Fprintf(&b, "ORGANIZER:%s\n", mailtoOf(user))
	for _, r := range recipients {
		fmt.Fprintf(&b, "ATTENDEE:%s\n", r)
	}
	b.WriteString("END:VFREEBUSY\nEND:VCALENDAR\n")
	h := map[string]string{"Content-Type": "text/calendar; charset=utf-8"}
	if thunderbird {
		h["Originator"] = mailtoOf(user)
		h["Recipient"] = strings.Join(recipients, ", ")
	}
	return request{method: http.MethodPost, path: homePath(user) + "outbox/", user: user, header: h, body: crlf(b.String())}
}

// schedParseFreeBusy decodes a schedule-response into one answer per
// recipient address (lower-cased, with mailto:). A body that is no
// schedule-response gives an error.
func schedParseFreeBusy(r *response) (map[string]*schedFBAnswer, error) {
	if r.Status != http.StatusOK {
		return nil, fmt.Errorf("status %d, want 200 with a schedule-response", r.Status)
	}
	var sr scheduleResponse
	if err := xml.Unmarshal(r.Body, &sr); err != nil {
		return nil, fmt.Errorf("the body is no CALDAV:schedule-response: %v", err)
	}
	out := map[string]*schedFBAnswer{}
	for _, resp := range sr.Responses {
		if len(resp.Recipient.Hrefs) != 1 {
			return nil, fmt.Errorf("a response names %d recipients, want 1", len(resp.Recipient.Hrefs))
		}
		a := &schedFBAnswer{status: strings.TrimSpace(resp.RequestStatus), data: resp.CalendarData}
		out["mailto:"+strings.TrimPrefix(strings.ToLower(strings.TrimSpace(resp.Recipient.Hrefs[0])), "mailto:")] = a
		if strings.TrimSpace(resp.CalendarData) == "" {
			continue
		}
		cal, err := ical.NewDecoder(strings.NewReader(resp.CalendarData)).Decode()
		if err != nil {
			a.err = fmt.Sprintf("calendar-data is not iCalendar: %v", err)
			continue
		}
		if m := cal.Props.Get(ical.PropMethod); m == nil || !strings.EqualFold(m.Value, "REPLY") {
			a.err = "calendar-data has no METHOD:REPLY (RFC 5546 §3.3.3)"
		}
		for _, c := range cal.Children {
			if c.Name != ical.CompFreeBusy {
				continue
			}
			for _, p := range c.Props.Values(ical.PropFreeBusy) {
				fbtype := strings.ToUpper(p.Params.Get(ical.ParamFreeBusyType))
				if fbtype != "" && !strings.HasPrefix(fbtype, "BUSY") {
					continue
				}
				for _, v := range strings.Split(p.Value, ",") {
					per, err := schedParsePeriod(v)
					if err != nil {
						a.err = err.Error()
						continue
					}
					a.busy = append(a.busy, per)
				}
			}
		}
		a.busy = schedMerge(a.busy)
	}
	return out, nil
}

// schedParsePeriod parses an RFC 5545 §3.3.9 PERIOD in UTC.
func schedParsePeriod(v string) (schedPeriod, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return schedPeriod{}, fmt.Errorf("FREEBUSY value %q is no period", v)
	}
	start, err := time.Parse("20060102T150405Z", a)
	if err != nil {
		return schedPeriod{}, fmt.Errorf("FREEBUSY value %q: start not in UTC: %v", v, err)
	}
	if strings.HasPrefix(b, "P") || strings.HasPrefix(b, "+P") {
		p := ical.NewProp("DURATION")
		p.Value = b
		d, err := p.Duration()
		if err != nil {
			return schedPeriod{}, fmt.Errorf("FREEBUSY value %q: %v", v, err)
		}
		return schedPeriod{start, start.Add(d)}, nil
	}
	end, err := time.Parse("20060102T150405Z", b)
	if err != nil {
		return schedPeriod{}, fmt.Errorf("FREEBUSY value %q: end not in UTC: %v", v, err)
	}
	return schedPeriod{start, end}, nil
}

// wantBusy fails unless the recipient's answer is a success with exactly
// the busy time want (merged).
func wantBusy(t *testing.T, label string, answers map[string]*schedFBAnswer, recipient string, want []schedPeriod) {
	t.Helper()
	a := answers[strings.ToLower(recipient)]
	if a == nil {
		t.Errorf("%s: the schedule-response has no response for %s (has %v)", label, recipient, sortedKeys(answers))
		return
	}
	if !strings.HasPrefix(a.status, "2.0") {
		t.Errorf("%s: %s: request-status %q, want 2.0;Success\n%s", label, recipient, a.status, a.data)
		return
	}
	if a.err != "" {
		t.Errorf("%s: %s: %s\n%s", label, recipient, a.err, a.data)
	}
	want = schedMerge(want)
	if !slices.Equal(a.busy, want) {
		t.Errorf("%s: %s is busy %v, want %v\n%s", label, recipient, a.busy, want, a.data)
	}
}

// --- the scenario ----------------------------------------------------------

// schedScenario is the state of TestSchedulingScenario on one store.
type schedScenario struct {
	t      *testing.T
	srv    *server
	uid    string
	path   string         // alice's object
	occ    [6]time.Time   // the six Mondays, 10:00 Berlin
	fbDown *schedFBAnswer // set once the free-busy POST failed, to report it once
}

// copyOf returns user's copy of the meeting (alice's by path, the others'
// found by UID in their default calendar `calendar`); nil when absent.
func (sc *schedScenario) copyOf(t *testing.T, user string) *schedObj {
	t.Helper()
	if user == "alice" {
		return schedGet(t, sc.srv, "alice", sc.path)
	}
	return schedFind(t, sc.srv, user, calendarPath(user, "calendar"), sc.uid)
}

// mustCopy is copyOf, failing the step when the copy is missing.
func (sc *schedScenario) mustCopy(t *testing.T, user string) *schedObj {
	t.Helper()
	o := sc.copyOf(t, user)
	if o == nil {
		t.Fatalf("%s has no copy of %s in %s (RFC 6638 §3.2.1: the server delivers the REQUEST into the attendee's default calendar)",
			user, sc.uid, calendarPath(user, "calendar"))
	}
	return o
}

// put writes an object with If-Match (or another condition header) and
// wants a 2xx.
func (sc *schedScenario) put(t *testing.T, user, path string, cal *ical.Calendar, cond map[string]string) {
	t.Helper()
	rq := request{method: http.MethodPut, path: path, user: user, body: schedEncode(t, cal),
		header: map[string]string{"Content-Type": "text/calendar; charset=utf-8"}}
	for k, v := range cond {
		rq.header[k] = v
	}
	r := sc.srv.do(t, rq)
	if r.Status < 200 || r.Status > 299 {
		t.Fatalf("PUT refused:\n%s", schedExchange(rq, r))
	}
}

// roomBusy checks the room's calendar through a free-busy POST by alice
// over January and February 2030: the room is busy exactly at want.
func (sc *schedScenario) roomBusy(t *testing.T, label string, want []schedPeriod) {
	t.Helper()
	if sc.fbDown != nil {
		t.Errorf("%s: the room's calendar cannot be checked: the free-busy POST failed (%s)", label, sc.fbDown.err)
		return
	}
	rq := schedFreeBusyRequest("alice", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC), false, schedRoomAddr)
	r := sc.srv.do(t, rq)
	answers, err := schedParseFreeBusy(r)
	if err != nil {
		sc.fbDown = &schedFBAnswer{err: err.Error()}
		t.Errorf("%s: the room's calendar is checked by a free-busy POST, which failed: %v\n%s", label, err, schedExchange(rq, r))
		return
	}
	wantBusy(t, label+": the room's calendar", answers, schedRoomAddr, want)
}

// hour is one occurrence's busy time: start for an hour.
func hour(start time.Time) schedPeriod { return schedPeriod{start.UTC(), start.Add(time.Hour).UTC()} }

// TestSchedulingScenario is the scenario with three users and a
// room: invite, accept, decline, tentative, every participant's copy
// showing every PARTSTAT; one occurrence rescheduled, declined, cancelled;
// the series cancelled; the room's calendar following each step.
func TestSchedulingScenario(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		srv.addUser(t, "carol")
		srv.addRoom(t, schedRoomName, schedRoomEmail, schedRoomCapacity)
		sc := &schedScenario{t: t, srv: srv, uid: "sched-weekly-" + srv.store + "@kalends.test"}
		sc.path = calendarPath("alice", "calendar") + "sched-weekly.ics"
		for i := range sc.occ {
			sc.occ[i] = time.Date(2030, 1, 7+7*i, 10, 0, 0, 0, schedBerlin)
		}
		alice, bob, carol := mailtoOf("alice"), mailtoOf("bob"), mailtoOf("carol")
		allBusy := func(skip ...int) []schedPeriod {
			var out []schedPeriod
			for i, o := range sc.occ {
				if !slices.Contains(skip, i) {
					out = append(out, hour(o))
				}
			}
			return out
		}
		movedStart := time.Date(2030, 1, 21, 14, 0, 0, 0, schedBerlin) // occurrence 3, moved from 10:00

		t.Run("options", func(t *testing.T) {
			r := srv.do(t, request{method: http.MethodOptions, path: calendarPath("alice", "calendar"), user: "alice"})
			dav := r.Header.Values("DAV")
			if !slices.Contains(davTokens(dav), "calendar-auto-schedule") {
				t.Errorf("OPTIONS %s: DAV header %q lacks calendar-auto-schedule (RFC 6638 §2)", calendarPath("alice", "calendar"), dav)
			}
		})

		t.Run("invite", func(t *testing.T) {
			ics := crlf(strings.ReplaceAll(readTestdata(t, "sched_weekly.ics"), "STORE", srv.store))
			rq := request{method: http.MethodPut, path: sc.path, user: "alice", body: ics,
				header: map[string]string{"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"}}
			if r := srv.do(t, rq); r.Status != http.StatusCreated {
				t.Fatalf("alice's invitation was refused:\n%s", schedExchange(rq, r))
			}
			// At once: the room has answered before the PUT returned.
			a := sc.mustCopy(t, "alice")
			m := schedMaster(a.cal)
			wantPartstats(t, "alice's copy right after the PUT", m, a.raw, map[string]string{
				alice: "ACCEPTED", bob: "NEEDS-ACTION", carol: "NEEDS-ACTION", schedRoomAddr: "ACCEPTED"})
			for _, addr := range []string{bob, carol, schedRoomAddr} {
				wantScheduleStatus(t, "alice's copy right after the PUT", m, a.raw, addr)
			}
			if a.schedTag == "" {
				t.Errorf("GET %s: no Schedule-Tag header on a scheduling object resource (RFC 6638 §3.2.10)", sc.path)
			}
			for _, u := range []string{"bob", "carol"} {
				c := sc.mustCopy(t, u)
				cm := schedMaster(c.cal)
				wantPartstats(t, u+"'s copy", cm, c.raw, map[string]string{u + "@example.com": "NEEDS-ACTION"})
				if cm != nil {
					if o := cm.Props.Get(ical.PropOrganizer); o == nil || !sameAddress(o.Value, alice) {
						t.Errorf("%s's copy: ORGANIZER is not alice\n%s", u, c.raw)
					}
					if cm.Props.Get(ical.PropRecurrenceRule) == nil {
						t.Errorf("%s's copy lost the RRULE\n%s", u, c.raw)
					}
				}
				if c.schedTag == "" {
					t.Errorf("GET %s as %s: no Schedule-Tag header (RFC 6638 §3.2.10)", c.path, u)
				}
				wantInboxMessage(t, srv, u, sc.uid, "REQUEST")
			}
			sc.roomBusy(t, "after the invitation", allBusy())
		})

		t.Run("bob accepts", func(t *testing.T) {
			before := sc.mustCopy(t, "alice")
			b := sc.mustCopy(t, "bob")
			schedSetPartstat(t, schedMaster(b.cal), bob, "ACCEPTED")
			sc.put(t, "bob", b.path, b.cal, map[string]string{"If-Match": b.etag})

			a := sc.mustCopy(t, "alice")
			wantPartstats(t, "alice's copy after bob's REPLY", schedMaster(a.cal), a.raw, map[string]string{
				bob: "ACCEPTED", carol: "NEEDS-ACTION", schedRoomAddr: "ACCEPTED"})
			if a.etag == before.etag {
				t.Errorf("alice's copy: the ETag did not change when bob's REPLY updated it")
			}
			if before.schedTag != "" && a.schedTag != before.schedTag {
				t.Errorf("alice's copy: Schedule-Tag changed from %s to %s although only an attendee's PARTSTAT changed (RFC 6638 §3.2.10)",
					before.schedTag, a.schedTag)
			}
			wantInboxMessage(t, srv, "alice", sc.uid, "REPLY")
			b = sc.mustCopy(t, "bob")
			if o := schedMaster(b.cal).Props.Get(ical.PropOrganizer); o == nil || o.Params.Get("SCHEDULE-STATUS") != "1.2" {
				t.Errorf("bob's copy: the ORGANIZER does not say his REPLY was delivered (SCHEDULE-STATUS 1.2, RFC 6638 §3.2.9)\n%s", b.raw)
			}
			c := sc.mustCopy(t, "carol")
			wantPartstats(t, "carol's copy after bob accepted", schedMaster(c.cal), c.raw, map[string]string{bob: "ACCEPTED"})
			sc.roomBusy(t, "after bob accepted", allBusy())
		})

		t.Run("carol declines then tentative", func(t *testing.T) {
			c := sc.mustCopy(t, "carol")
			schedSetPartstat(t, schedMaster(c.cal), carol, "DECLINED")
			cond := map[string]string{"If-Match": c.etag}
			if c.schedTag != "" {
				// DAVx5's way: an attendee's write conditional on the Schedule-Tag.
				cond = map[string]string{"If-Schedule-Tag-Match": c.schedTag}
			}
			sc.put(t, "carol", c.path, c.cal, cond)
			a := sc.mustCopy(t, "alice")
			wantPartstats(t, "alice's copy after carol declined", schedMaster(a.cal), a.raw, map[string]string{carol: "DECLINED"})

			c = sc.mustCopy(t, "carol")
			schedSetPartstat(t, schedMaster(c.cal), carol, "TENTATIVE")
			sc.put(t, "carol", c.path, c.cal, map[string]string{"If-Match": c.etag})

			want := map[string]string{alice: "ACCEPTED", bob: "ACCEPTED", carol: "TENTATIVE", schedRoomAddr: "ACCEPTED"}
			for _, u := range []string{"alice", "bob", "carol"} {
				o := sc.mustCopy(t, u)
				wantPartstats(t, u+"'s copy after carol's TENTATIVE", schedMaster(o.cal), o.raw, want)
			}
			wantInboxMessage(t, srv, "alice", sc.uid, "REPLY")
			sc.roomBusy(t, "after carol's answers", allBusy())
		})

		t.Run("reschedule one occurrence", func(t *testing.T) {
			a := sc.mustCopy(t, "alice")
			m := schedMaster(a.cal)
			if m == nil {
				t.Fatalf("alice's copy has no master VEVENT\n%s", a.raw)
			}
			o := schedOccurrence(m, sc.occ[2], movedStart, time.Hour)
			seq := 0
			if p := m.Props.Get(ical.PropSequence); p != nil {
				seq, _ = strconv.Atoi(p.Value)
			}
			o.Props.Set(&ical.Prop{Name: ical.PropSequence, Params: ical.Params{}, Value: strconv.Itoa(seq + 1)})
			a.cal.Children = append(a.cal.Children, o)
			sc.put(t, "alice", sc.path, a.cal, map[string]string{"If-Match": a.etag})

			a = sc.mustCopy(t, "alice")
			ao := schedOverride(a.cal, sc.occ[2])
			wantPartstats(t, "alice's copy, the moved occurrence", ao, a.raw, map[string]string{schedRoomAddr: "ACCEPTED"})
			for _, u := range []string{"bob", "carol"} {
				c := sc.mustCopy(t, u)
				co := schedOverride(c.cal, sc.occ[2])
				if co == nil {
					t.Errorf("%s's copy has no override for the occurrence of %s moved by alice\n%s", u, sc.occ[2].UTC(), c.raw)
					continue
				}
				if got := schedPropTime(co.Props.Get(ical.PropDateTimeStart)); !got.Equal(movedStart) {
					t.Errorf("%s's copy: the moved occurrence starts %s, want %s\n%s", u, got.UTC(), movedStart.UTC(), c.raw)
				}
				if cm := schedMaster(c.cal); cm == nil || cm.Props.Get(ical.PropRecurrenceRule) == nil {
					t.Errorf("%s's copy: the series lost its master or RRULE\n%s", u, c.raw)
				}
			}
			want := append(allBusy(2), hour(movedStart))
			sc.roomBusy(t, "after the occurrence moved", want)
		})

		t.Run("bob declines one occurrence", func(t *testing.T) {
			b := sc.mustCopy(t, "bob")
			m := schedMaster(b.cal)
			if m == nil {
				t.Fatalf("bob's copy has no master VEVENT\n%s", b.raw)
			}
			o := schedOccurrence(m, sc.occ[3], sc.occ[3], time.Hour)
			schedSetPartstat(t, o, bob, "DECLINED")
			b.cal.Children = append(b.cal.Children, o)
			sc.put(t, "bob", b.path, b.cal, map[string]string{"If-Match": b.etag})

			a := sc.mustCopy(t, "alice")
			wantPartstats(t, "alice's copy, the occurrence bob declined", schedOverride(a.cal, sc.occ[3]), a.raw,
				map[string]string{bob: "DECLINED", carol: "TENTATIVE", schedRoomAddr: "ACCEPTED"})
			wantPartstats(t, "alice's copy, the series after bob declined one occurrence", schedMaster(a.cal), a.raw,
				map[string]string{bob: "ACCEPTED"})
			if ao := schedOverride(a.cal, sc.occ[2]); ao != nil && schedPartstat(ao, bob) == "DECLINED" {
				t.Errorf("alice's copy: bob's decline of %s reached the moved occurrence too\n%s", sc.occ[3].UTC(), a.raw)
			}
			c := sc.mustCopy(t, "carol")
			wantPartstats(t, "carol's copy, the occurrence bob declined", schedOverride(c.cal, sc.occ[3]), c.raw,
				map[string]string{bob: "DECLINED"})
			wantPartstats(t, "carol's copy, the series after bob declined one occurrence", schedMaster(c.cal), c.raw,
				map[string]string{bob: "ACCEPTED"})
			sc.roomBusy(t, "after bob declined one occurrence", append(allBusy(2), hour(movedStart)))
		})

		t.Run("cancel one occurrence", func(t *testing.T) {
			a := sc.mustCopy(t, "alice")
			m := schedMaster(a.cal)
			if m == nil {
				t.Fatalf("alice's copy has no master VEVENT\n%s", a.raw)
			}
			ex := ical.NewProp(ical.PropExceptionDates)
			ex.SetDateTime(sc.occ[4])
			ex.Params.Del(ical.ParamValue)
			m.Props.Add(ex)
			sc.put(t, "alice", sc.path, a.cal, map[string]string{"If-Match": a.etag})

			for _, u := range []string{"alice", "bob", "carol"} {
				c := sc.mustCopy(t, u)
				if !schedOccurrenceCancelled(c.cal, sc.occ[4]) {
					t.Errorf("%s's copy: the occurrence of %s alice cancelled (EXDATE) is neither excluded nor CANCELLED\n%s", u, sc.occ[4].UTC(), c.raw)
				}
				if schedOccurrenceCancelled(c.cal, sc.occ[5]) || schedOccurrenceCancelled(c.cal, sc.occ[0]) {
					t.Errorf("%s's copy: more than the one occurrence was cancelled\n%s", u, c.raw)
				}
			}
			sc.roomBusy(t, "after one occurrence was cancelled", append(allBusy(2, 4), hour(movedStart)))
		})

		t.Run("cancel the series", func(t *testing.T) {
			a := sc.mustCopy(t, "alice")
			rq := request{method: http.MethodDelete, path: sc.path, user: "alice", header: map[string]string{"If-Match": a.etag}}
			if r := srv.do(t, rq); r.Status != http.StatusNoContent && r.Status != http.StatusOK {
				t.Fatalf("alice's DELETE of the series was refused:\n%s", schedExchange(rq, r))
			}
			for _, u := range []string{"bob", "carol"} {
				// Kept, cancelled, for people to see (issue 11; as Apple's
				// Calendar Server, Exchange and Google do).
				c := sc.mustCopy(t, u)
				m := schedMaster(c.cal)
				if m == nil || m.Props.Get(ical.PropStatus) == nil || !strings.EqualFold(m.Props.Get(ical.PropStatus).Value, "CANCELLED") {
					t.Errorf("%s's copy is not STATUS:CANCELLED after the organizer's DELETE (RFC 6638 §3.2.1: the organizer's DELETE sends CANCEL)\n%s", u, c.raw)
				}
				wantInboxMessage(t, srv, u, sc.uid, "CANCEL")
			}
			// bob deletes the cancelled meeting: no answer goes to anyone.
			cancelled := sc.mustCopy(t, "bob")
			drq := request{method: http.MethodDelete, path: cancelled.path, user: "bob"}
			if r := srv.do(t, drq); r.Status != http.StatusNoContent {
				t.Errorf("bob cannot delete the cancelled meeting:\n%s", schedExchange(drq, r))
			}
			sc.roomBusy(t, "after the series was cancelled", nil)

			// The room is free again: bob books it at the same time.
			uid := "sched-after-cancel-" + srv.store + "@kalends.test"
			path := calendarPath("bob", "calendar") + "after-cancel.ics"
			ics := icsEvent(uid,
				"DTSTART;TZID=Europe/Berlin:20300107T100000", "DTEND;TZID=Europe/Berlin:20300107T110000",
				"SUMMARY:Bob's meeting in the freed room", "SEQUENCE:0",
				"ORGANIZER;CN=Bob:"+bob,
				"ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:"+bob,
				"ATTENDEE;CN=Room 101;CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"+schedRoomAddr)
			rq = request{method: http.MethodPut, path: path, user: "bob", body: ics,
				header: map[string]string{"Content-Type": "text/calendar; charset=utf-8"}}
			if r := srv.do(t, rq); r.Status != http.StatusCreated {
				t.Fatalf("bob's meeting was refused:\n%s", schedExchange(rq, r))
			}
			b := schedGet(t, srv, "bob", path)
			if b == nil {
				t.Fatalf("GET %s: 404 right after the PUT", path)
			}
			wantPartstats(t, "bob's meeting in the freed room", schedMaster(b.cal), b.raw, map[string]string{schedRoomAddr: "ACCEPTED"})
			sc.roomBusy(t, "after bob booked the freed room", []schedPeriod{hour(sc.occ[0])})
		})
	})
}

// TestSchedulingFreeBusy is the free-busy POST to the outbox (RFC 6638 §5):
// busy time of a user and a room, honouring transparency and cancelled
// occurrences, without titles; with Thunderbird's Originator and Recipient
// headers and without.
func TestSchedulingFreeBusy(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		srv.addRoom(t, schedRoomName, schedRoomEmail, schedRoomCapacity)
		bob := mailtoOf("bob")
		utc := func(d, h, m int) time.Time { return time.Date(2030, 3, d, h, m, 0, 0, time.UTC) }

		// bob's own events, each with a title that must not leak.
		bobEvents := map[string]string{
			"busy.ics": icsEvent("fb-busy@kalends.test", "DTSTART:20300304T090000Z", "DTEND:20300304T100000Z",
				"SUMMARY:Secret dentist appointment"),
			"transparent.ics": icsEvent("fb-transparent@kalends.test", "DTSTART:20300304T110000Z", "DTEND:20300304T120000Z",
				"SUMMARY:Secret transparent reminder", "TRANSP:TRANSPARENT"),
			"cancelled.ics": icsEvent("fb-cancelled@kalends.test", "DTSTART:20300304T130000Z", "DTEND:20300304T140000Z",
				"SUMMARY:Secret cancelled lunch", "STATUS:CANCELLED"),
			"daily.ics": icsEvent("fb-daily@kalends.test", "DTSTART:20300304T150000Z", "DTEND:20300304T153000Z",
				"RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20300305T150000Z", "SUMMARY:Secret daily standup"),
			"outside.ics": icsEvent("fb-outside@kalends.test", "DTSTART:20300310T090000Z", "DTEND:20300310T100000Z",
				"SUMMARY:Secret outside the window"),
		}
		for _, name := range sortedKeys(bobEvents) {
			srv.putICS(t, "bob", calendarPath("bob", "calendar")+name, bobEvents[name], nil).expect(t, http.StatusCreated)
		}
		// The room is booked by an invitation from alice.
		roomPath := calendarPath("alice", "calendar") + "fb-room.ics"
		rq := request{method: http.MethodPut, path: roomPath, user: "alice", body: icsEvent("fb-room@kalends.test",
			"DTSTART:20300305T100000Z", "DTEND:20300305T110000Z", "SUMMARY:Secret board meeting", "SEQUENCE:0",
			"ORGANIZER:"+mailtoOf("alice"), "ATTENDEE;PARTSTAT=ACCEPTED:"+mailtoOf("alice"),
			"ATTENDEE;CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"+schedRoomAddr),
			header: map[string]string{"Content-Type": "text/calendar; charset=utf-8"}}
		if r := srv.do(t, rq); r.Status != http.StatusCreated {
			t.Errorf("alice's booking of the room was refused:\n%s", schedExchange(rq, r))
		} else if a := schedGet(t, srv, "alice", roomPath); a != nil {
			wantPartstats(t, "alice's booking of the room", schedMaster(a.cal), a.raw, map[string]string{schedRoomAddr: "ACCEPTED"})
		}

		wantBob := []schedPeriod{{utc(4, 9, 0), utc(4, 10, 0)}, {utc(4, 15, 0), utc(4, 15, 30)}, {utc(6, 15, 0), utc(6, 15, 30)}}
		wantRoom := []schedPeriod{{utc(5, 10, 0), utc(5, 11, 0)}}
		start, end := utc(4, 0, 0), utc(8, 0, 0)

		for _, thunderbird := range []bool{true, false} {
			name := "without Originator and Recipient headers"
			if thunderbird {
				name = "with Thunderbird's Originator and Recipient headers"
			}
			t.Run(name, func(t *testing.T) {
				rq := schedFreeBusyRequest("alice", start, end, thunderbird, bob, schedRoomAddr)
				r := srv.do(t, rq)
				answers, err := schedParseFreeBusy(r)
				if err != nil {
					t.Fatalf("free-busy POST: %v\n%s", err, schedExchange(rq, r))
				}
				if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "xml") {
					t.Errorf("free-busy POST: Content-Type %q, want an XML type", ct)
				}
				wantBusy(t, "free-busy POST", answers, bob, wantBob)
				wantBusy(t, "free-busy POST", answers, schedRoomAddr, wantRoom)
				if len(answers) != 2 {
					t.Errorf("free-busy POST: %d responses, want one per recipient (2)\n%s", len(answers), r.Body)
				}
				if bytes.Contains(r.Body, []byte("Secret")) || bytes.Contains(bytes.ToUpper(r.Body), []byte("SUMMARY")) {
					t.Errorf("free-busy POST: the answer shows titles (busy periods only, RFC 6638 §5)\n%s", r.Body)
				}
			})
		}

		t.Run("unknown recipient", func(t *testing.T) {
			stranger := "mailto:nobody@example.com"
			rq := schedFreeBusyRequest("alice", start, end, false, bob, stranger)
			r := srv.do(t, rq)
			answers, err := schedParseFreeBusy(r)
			if err != nil {
				t.Fatalf("free-busy POST: %v\n%s", err, schedExchange(rq, r))
			}
			wantBusy(t, "free-busy POST with an unknown recipient", answers, bob, wantBob)
			if a := answers[stranger]; a == nil {
				t.Errorf("free-busy POST: no response for the unknown %s\n%s", stranger, r.Body)
			} else if !strings.HasPrefix(a.status, "3.7") {
				t.Errorf("free-busy POST: the unknown %s has request-status %q, want 3.7 (invalid calendar user, RFC 6638 Appendix A)\n%s", stranger, a.status, r.Body)
			}
		})

		t.Run("another user's outbox", func(t *testing.T) {
			rq := schedFreeBusyRequest("bob", start, end, false, schedRoomAddr)
			rq.user = "alice"
			r := srv.do(t, rq)
			if r.Status != http.StatusForbidden {
				t.Errorf("alice POSTing to bob's outbox: status %d, want 403\n%s", r.Status, schedExchange(rq, r))
			}
		})
	})
}
