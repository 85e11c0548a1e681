package conformance

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/internal/testenv"
)

// Hostile-input tests of issue 11 (items 16–18): slow bodies, too many
// connections, an unbounded expand, password guessing, and an account
// changed while two server processes serve it.

// forEachStoreWith is forEachStore with further flags of kalends serve.
func forEachStoreWith(t *testing.T, args []string, fn func(t *testing.T, srv *server)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, startServer(t, "sqlite", testenv.SQLitePath(t), args...))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, startServer(t, "postgres", testenv.PostgresDB(t), args...))
	})
}

// dialRaw opens a TCP connection to the server; every read on it gives up
// after requestTimeout, so a connection the server never closes fails the
// test instead of hanging it.
func dialRaw(t *testing.T, srv *server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(requestTimeout))
	return c
}

// basic is the Authorization header value of a user.
func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// waitClosed reads whatever the server still sends on c and fails the test
// unless the server closes the connection (EOF or reset) before the read
// deadline. It returns the response read first, if any.
func waitClosed(t *testing.T, c net.Conn) *http.Response {
	t.Helper()
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil {
			_, err = br.ReadByte()
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open (no close before the client gave up)")
	}
	return resp
}

// TestSlowBody: a client that sends a request's headers and never the body
// it declares is disconnected, before and after logging in (issue 11,
// item 16); the read timeout is made short so that the test is quick.
func TestSlowBody(t *testing.T) {
	forEachStoreWith(t, []string{"--read-timeout", "2s"}, func(t *testing.T, srv *server) {
		put := func(auth string) string {
			h := "PUT " + calendarPath("alice", "calendar") + "slow.ics HTTP/1.1\r\nHost: x\r\n" +
				"Content-Type: text/calendar\r\nContent-Length: 500\r\n"
			if auth != "" {
				h += "Authorization: " + auth + "\r\n"
			}
			return h + "\r\n"
		}
		t.Run("anonymous", func(t *testing.T) {
			c := dialRaw(t, srv)
			io.WriteString(c, put(""))
			if resp := waitClosed(t, c); resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("answer %v, want 401 before the close", resp)
			}
		})
		t.Run("wrong password", func(t *testing.T) {
			c := dialRaw(t, srv)
			io.WriteString(c, put(basic("alice", "wrong")))
			if resp := waitClosed(t, c); resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("answer %v, want 401 before the close", resp)
			}
		})
		t.Run("logged in", func(t *testing.T) {
			c := dialRaw(t, srv)
			io.WriteString(c, put(basic("alice", srv.users["alice"])))
			if resp := waitClosed(t, c); resp != nil && resp.StatusCode >= 500 {
				t.Fatalf("answer %d, want none or a 4xx", resp.StatusCode)
			}
		})
	})
}

// TestConnectionLimit: with --max-connections 3, connections beyond three
// open ones are answered 503 and closed; once the others close, a new one
// is served again.
func TestConnectionLimit(t *testing.T) {
	const limit = 3
	forEachStoreWith(t, []string{"--max-connections", strconv.Itoa(limit)}, func(t *testing.T, srv *server) {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections() // the health check's
		var open []net.Conn
		served, refused := 0, 0
		for i := 0; i < limit+2; i++ {
			c := dialRaw(t, srv)
			io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("connection %d: %v", i+1, err)
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				served++
				open = append(open, c) // kept alive, holding its slot
			case http.StatusServiceUnavailable:
				refused++
			default:
				t.Fatalf("connection %d: status %d", i+1, resp.StatusCode)
			}
		}
		if served == 0 || served > limit || refused == 0 {
			t.Fatalf("%d connections served, %d refused; want at most %d served and the rest refused", served, refused, limit)
		}
		for _, c := range open {
			c.Close()
		}
		// The server frees a slot when it sees the close: try a few times.
		for attempt := 0; ; attempt++ {
			r := srv.do(t, request{method: http.MethodGet, path: "/healthz"})
			if r.Status == http.StatusOK {
				break
			}
			if attempt == 50 {
				t.Fatalf("no connection served after the others closed: %d", r.Status)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestExpandBounded: a calendar-query expanding three daily series over a
// year asks for more instances than --max-report-instances allows: the
// answer stops with a 507 DAV:number-of-matches-within-limits response
// instead of growing without bound (RFC 4791 §7.8, issue 11 item 17).
func TestExpandBounded(t *testing.T) {
	forEachStoreWith(t, []string{"--max-report-instances", "500"}, func(t *testing.T, srv *server) {
		cal := calendarPath("alice", "calendar")
		for _, uid := range []string{"d1", "d2", "d3"} {
			srv.putICS(t, "alice", cal+uid+".ics", icsEvent(uid, "DTSTART:20260101T090000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY", "SUMMARY:daily"), nil).
				expect(t, http.StatusCreated)
		}
		body := `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data><C:expand start="20260101T000000Z" end="20270101T000000Z"/></C:calendar-data></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="20260101T000000Z" end="20270101T000000Z"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>`
		ms := decodeMultistatus(t, srv.report(t, "alice", cal, "1", body).expect(t, http.StatusMultiStatus))
		instances, cut := 0, false
		for _, r := range ms.Responses {
			if statusCode(r.Status) == http.StatusInsufficientStorage {
				cut = true
				continue
			}
			cd := wantProp(t, &r, caldavName("calendar-data"))
			instances += strings.Count(cd.Text, "BEGIN:VEVENT")
		}
		if !cut || instances == 0 || instances > 500 {
			t.Fatalf("%d instances, 507 %v: want at most 500 and a 507", instances, cut)
		}
	})
}

// TestLoginThrottle: after five wrong passwords the right one is answered
// 429 with Retry-After for a while, instead of letting a guesser go on
// (issue 11, item 18); the failures are logged with the name tried and the
// client address.
func TestLoginThrottle(t *testing.T) {
	forEachStore(t, func(t *testing.T, srv *server) {
		path := principalPath("alice")
		for i := 0; i < 5; i++ {
			r := srv.do(t, request{method: "PROPFIND", path: path, header: map[string]string{
				"Depth": "0", "Authorization": basic("alice", "guess"+strconv.Itoa(i))}})
			r.expect(t, http.StatusUnauthorized)
		}
		r := srv.propfind(t, "alice", path, "0", "")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("right password after five wrong ones: %d, Retry-After %q; want 429 with Retry-After", r.Status, r.Header.Get("Retry-After"))
		}
		srv.propfind(t, "bob", principalPath("bob"), "0", "").expect(t, http.StatusMultiStatus)
		log := srv.stderr.String()
		if !strings.Contains(log, `msg="login failed" user=alice addr=127.0.0.1`) {
			t.Fatalf("no log line of the failed login with the user and the address:\n%s", log)
		}
	})
}

// userCmd runs `kalends user VERB NAME` on the server's database with
// stdin, as an administrator would.
func (s *server) userCmd(t *testing.T, stdin string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, kalendsBin, append(append([]string{"user"}, args...), "--database", s.database)...)
	cmd.Env = kalendsEnv()
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kalends user %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestAccountChangesTakeEffectAtOnce: two server processes on one database
// both have alice's login cached; `kalends user passwd` makes the old
// password fail and the new one work on both at once, and `kalends user
// delete` shuts bob out of both at once (401, not a 500 on MKCALENDAR).
func TestAccountChangesTakeEffectAtOnce(t *testing.T) {
	run := func(t *testing.T, a *server) {
		b := startSecondServer(t, a)
		for _, srv := range []*server{a, b} {
			for _, u := range []string{"alice", "bob"} {
				srv.propfind(t, u, principalPath(u), "0", "").expect(t, http.StatusMultiStatus)
			}
		}
		old := a.users["alice"]
		a.userCmd(t, "n3w-Passw0rd!\n", "passwd", "alice", "--password-stdin")
		for _, srv := range []*server{a, b} {
			r := srv.do(t, request{method: "PROPFIND", path: principalPath("alice"),
				header: map[string]string{"Depth": "0", "Authorization": basic("alice", old)}})
			r.expect(t, http.StatusUnauthorized)
			r = srv.do(t, request{method: "PROPFIND", path: principalPath("alice"),
				header: map[string]string{"Depth": "0", "Authorization": basic("alice", "n3w-Passw0rd!")}})
			r.expect(t, http.StatusMultiStatus)
		}
		a.userCmd(t, "", "delete", "bob")
		for _, srv := range []*server{a, b} {
			srv.propfind(t, "bob", principalPath("bob"), "0", "").expect(t, http.StatusUnauthorized)
			srv.do(t, request{method: "MKCALENDAR", path: calendarPath("bob", "late"), user: "bob"}).expect(t, http.StatusUnauthorized)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, startServer(t, "sqlite", testenv.SQLitePath(t))) })
	t.Run("postgres", func(t *testing.T) { run(t, startServer(t, "postgres", testenv.PostgresDB(t))) })
}
