package imip_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/caldav"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/teststores"
	"github.com/kalends/kalends/scheduling/imip"
)

// opener opens a second handle on the same database (as a second server
// process would), or a fresh one when called the first time.
type opener = teststores.Opener

// stores runs fn on SQLite and on PostgreSQL.
func stores(t *testing.T, fn func(t *testing.T, open opener)) { teststores.Each(t, fn) }

// clock is the workers' time, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a CalDAV server on a store with users alice and bob (password
// "pw-NAME"), whose scheduling queues the mail the workers send.
type env struct {
	t     *testing.T
	store backend.Store
	srv   *httptest.Server
	users map[string]*backend.Principal
	clock *clock
}

func newEnv(t *testing.T, open opener) *env {
	t.Helper()
	e := &env{t: t, store: open(t), users: map[string]*backend.Principal{}, clock: &clock{t: time.Now().UTC()}}
	for _, name := range []string{"alice", "bob"} {
		hash, _ := backend.HashPassword("pw-" + name)
		p := &backend.Principal{Kind: backend.KindUser, Name: name, DisplayName: strings.ToUpper(name[:1]) + name[1:],
			Emails: []string{name + "@example.com"}}
		if err := e.store.CreatePrincipal(context.Background(), p, hash); err != nil {
			t.Fatal(err)
		}
		e.users[name] = p
	}
	e.srv = httptest.NewServer(caldav.New(calendar.New(e.store, calendar.Options{}), caldav.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(e.srv.Close)
	return e
}

var sender = imip.Sender{From: mail.Address{Name: "Kalends", Address: "calendar@kalends.example"}}

// worker returns a worker on q sending to the relay at addr; tune, when
// given, changes its options.
func (e *env) worker(q backend.MailQueue, addr string, batch int, tune ...func(*imip.Options)) *imip.Worker {
	opts := imip.Options{
		SMTP:   &imip.SMTP{Addr: addr, Security: imip.NoTLS, HeloName: "kalends.test", DialTimeout: 5 * time.Second, CommandTimeout: 10 * time.Second},
		Sender: sender, Batch: batch, SendTimeout: 20 * time.Second, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, f := range tune {
		f(&opts)
	}
	return imip.New(q, opts)
}

// put writes an object as user over CalDAV.
func (e *env) put(user, uri, body string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/dav/calendars/users/"+user+"/calendar/"+uri, strings.NewReader(body))
	req.SetBasicAuth(user, "pw-"+user)
	req.Header.Set("Content-Type", "text/calendar; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		e.t.Fatalf("PUT %s: %d %s", uri, resp.StatusCode, b)
	}
}

// del deletes an object as user over CalDAV.
func (e *env) del(user, uri string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, e.srv.URL+"/dav/calendars/users/"+user+"/calendar/"+uri, nil)
	req.SetBasicAuth(user, "pw-"+user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		e.t.Fatalf("DELETE %s: %d", uri, resp.StatusCode)
	}
}

// object returns user's stored object at uri in calendar "calendar".
func (e *env) object(user, uri string) (*backend.Object, *backend.Calendar) {
	e.t.Helper()
	cal, err := e.store.Calendar(context.Background(), e.users[user].ID, "calendar")
	if err != nil {
		e.t.Fatal(err)
	}
	o, err := e.store.Object(context.Background(), cal.ID, uri)
	if err != nil {
		e.t.Fatalf("%s's %s: %v", user, uri, err)
	}
	return o, cal
}

// messages lists the queue.
func (e *env) messages(status string) []*backend.OutboundMessage {
	e.t.Helper()
	l, err := e.store.ListMessages(context.Background(), status, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// runOnce runs one batch of w.
func runOnce(t *testing.T, w *imip.Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

// meeting is an event organized by alice (Europe/Berlin) with the given
// attendees (addresses without mailto:).
func meeting(uid, summary string, attendees ...string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
		"\r\nDTSTAMP:20261201T090000Z\r\nDTSTART;TZID=Europe/Berlin:20270104T100000\r\nDTEND;TZID=Europe/Berlin:20270104T110000\r\n" +
		"SUMMARY:" + summary + "\r\nORGANIZER;CN=Alice:mailto:alice@example.com\r\n")
	for _, a := range attendees {
		b.WriteString("ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + a + "\r\n")
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// scheduleStatus returns the SCHEDULE-STATUS of the property (ATTENDEE
// or ORGANIZER) naming addr in the text, "" when it has none.
func scheduleStatus(t *testing.T, data []byte, prop, addr string) string {
	t.Helper()
	unfolded := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(string(data))
	for _, line := range strings.Split(unfolded, "\r\n") {
		if !strings.HasPrefix(line, prop+";") && !strings.HasPrefix(line, prop+":") {
			continue
		}
		if !strings.HasSuffix(strings.ToLower(line), ":mailto:"+addr) {
			continue
		}
		for _, p := range strings.Split(strings.SplitN(line, ":mailto:", 2)[0], ";") {
			if v, ok := strings.CutPrefix(p, "SCHEDULE-STATUS="); ok {
				return v
			}
		}
		return ""
	}
	t.Fatalf("no %s %s in\n%s", prop, addr, data)
	return ""
}
