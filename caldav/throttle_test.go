package caldav

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/internal/testenv"
)

// throttleHarness calls a Handler directly, so that each request can come
// from the client address the test chooses, with a clock the test moves.
type throttleHarness struct {
	t   *testing.T
	h   *Handler
	now time.Time
	log *lockedBuffer
}

// lockedBuffer collects the handler's JSON log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func newThrottleHarness(t *testing.T, proxies ...netip.Prefix) *throttleHarness {
	t.Helper()
	s, err := sqlite.Open(context.Background(), testenv.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, name := range []string{"alice", "bob"} {
		hash, _ := backend.HashPassword("pw-" + name)
		p := &backend.Principal{Kind: backend.KindUser, Name: name, Emails: []string{name + "@example.com"}}
		if err := s.CreatePrincipal(context.Background(), p, hash); err != nil {
			t.Fatal(err)
		}
	}
	th := &throttleHarness{t: t, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), log: &lockedBuffer{}}
	th.h = newHandler(s, Options{Logger: slog.New(slog.NewJSONHandler(th.log, nil)), TrustedProxies: proxies})
	th.h.throttle.now = func() time.Time { return th.now }
	return th
}

// login sends PROPFIND /dav/ as user with pass from addr, through the
// proxies given as X-Forwarded-For values, if any.
func (th *throttleHarness) login(user, pass, addr string, forwarded ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("PROPFIND", "/dav/", nil)
	req.Header.Set("Depth", "0")
	for _, f := range forwarded {
		req.Header.Add("X-Forwarded-For", f)
	}
	req.SetBasicAuth(user, pass)
	req.RemoteAddr = addr + ":50000"
	rec := httptest.NewRecorder()
	th.h.ServeHTTP(rec, req)
	return rec
}

// TestLoginThrottlePerUser: after userFreeFailures wrong passwords for a
// user, even the right password is answered 429 with Retry-After until the
// back-off has passed, from any address the user has not logged in from;
// from one it has, the user's devices go on working.
func TestLoginThrottlePerUser(t *testing.T) {
	th := newThrottleHarness(t)
	if code := th.login("alice", "pw-alice", "198.51.100.20").Code; code != 207 {
		t.Fatalf("first login: status %d, want 207", code)
	}
	for i := 0; i < userFreeFailures; i++ {
		if code := th.login("alice", "guess"+strconv.Itoa(i), "192.0.2.1").Code; code != 401 {
			t.Fatalf("failure %d: status %d, want 401", i+1, code)
		}
	}
	rec := th.login("alice", "pw-alice", "198.51.100.9")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("right password after %d failures: status %d, want 429", userFreeFailures, rec.Code)
	}
	wait, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || wait <= 0 {
		t.Fatalf("Retry-After = %q", rec.Header().Get("Retry-After"))
	}
	if code := th.login("alice", "pw-alice", "198.51.100.20").Code; code != 207 {
		t.Fatalf("from the address alice logged in from: status %d, want 207", code)
	}
	if code := th.login("alice", "guess", "192.0.2.1").Code; code != http.StatusTooManyRequests {
		t.Fatalf("a guess after alice's own login: status %d, want 429 (a success does not clear the count)", code)
	}
	if code := th.login("bob", "pw-bob", "192.0.2.1").Code; code != 207 {
		t.Fatalf("another user from that address: status %d, want 207", code)
	}
	th.now = th.now.Add(time.Duration(wait) * time.Second)
	if code := th.login("alice", "pw-alice", "198.51.100.9").Code; code != 207 {
		t.Fatalf("right password after the back-off: status %d, want 207", code)
	}
}

// TestLoginThrottleBackoffGrows: each failure beyond the free ones doubles
// the wait.
func TestLoginThrottleBackoffGrows(t *testing.T) {
	th := newThrottleHarness(t)
	var waits []int
	for len(waits) < 3 {
		rec := th.login("alice", "guess", "192.0.2.1")
		if rec.Code == http.StatusTooManyRequests {
			w, _ := strconv.Atoi(rec.Header().Get("Retry-After"))
			waits = append(waits, w)
			th.now = th.now.Add(time.Duration(w) * time.Second)
		}
	}
	if waits[1] != 2*waits[0] || waits[2] != 2*waits[1] {
		t.Fatalf("waits %v, want each double the one before", waits)
	}
}

// TestLoginThrottlePerAddress: many wrong logins from one address, each
// for another name, throttle that address for every user, not the others.
func TestLoginThrottlePerAddress(t *testing.T) {
	th := newThrottleHarness(t)
	for i := 0; i < addrFreeFailures; i++ {
		if code := th.login("user"+strconv.Itoa(i), "guess", "203.0.113.5").Code; code != 401 {
			t.Fatalf("failure %d: status %d, want 401", i+1, code)
		}
	}
	if code := th.login("bob", "pw-bob", "203.0.113.5").Code; code != http.StatusTooManyRequests {
		t.Fatalf("right password from the guessing address: status %d, want 429", code)
	}
	if code := th.login("bob", "pw-bob", "192.0.2.77").Code; code != 207 {
		t.Fatalf("right password from another address: status %d, want 207", code)
	}
}

// TestLoginFailureLogged: a failed login is logged with the user name tried
// and the client address, on its own line and on the request's.
func TestLoginFailureLogged(t *testing.T) {
	th := newThrottleHarness(t)
	th.login("alice", "wrong", "192.0.2.44")
	var failed, request bool
	for _, line := range bytes.Split(th.log.b.Bytes(), []byte("\n")) {
		var rec map[string]any
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		if rec["user"] != "alice" || rec["addr"] != "192.0.2.44" {
			continue
		}
		switch rec["msg"] {
		case "login failed":
			failed = true
		case "request":
			request = rec["status"] == float64(401)
		}
	}
	if !failed || !request {
		t.Fatalf("log lacks the failure with user and address (login failed %v, request %v):\n%s", failed, request, th.log.b.String())
	}
}

// TestLoginThrottleBehindProxy: behind a trusted reverse proxy the client
// is the last X-Forwarded-For hop that is not a trusted proxy, so one
// guesser does not throttle every client of the proxy; the header of a
// client that is not a trusted proxy is ignored, and so are the hops the
// client wrote itself before the proxy's.
func TestLoginThrottleBehindProxy(t *testing.T) {
	th := newThrottleHarness(t, netip.MustParsePrefix("10.0.0.0/8"))
	for i := 0; i < addrFreeFailures; i++ {
		// The guesser pretends to come from 192.0.2.7; the proxy appends
		// the address it really came from.
		th.login("user"+strconv.Itoa(i), "guess", "10.0.0.2", "192.0.2.7, 203.0.113.5", "10.1.1.1")
	}
	if code := th.login("bob", "pw-bob", "10.0.0.2", "203.0.113.5").Code; code != http.StatusTooManyRequests {
		t.Fatalf("the guesser through the proxy: status %d, want 429", code)
	}
	if code := th.login("bob", "pw-bob", "10.0.0.2", "192.0.2.7").Code; code != 207 {
		t.Fatalf("another client through the proxy: status %d, want 207", code)
	}
	// Not from a trusted proxy: the header counts for nothing.
	for i := 0; i < addrFreeFailures; i++ {
		th.login("user"+strconv.Itoa(i), "guess", "198.51.100.3", "192.0.2.8")
	}
	if code := th.login("bob", "pw-bob", "10.0.0.2", "192.0.2.8").Code; code != 207 {
		t.Fatalf("the address an untrusted client claimed: status %d, want 207", code)
	}
	if code := th.login("bob", "pw-bob", "198.51.100.3").Code; code != http.StatusTooManyRequests {
		t.Fatalf("the untrusted client itself: status %d, want 429", code)
	}
	if !bytes.Contains(th.log.b.Bytes(), []byte(`"addr":"203.0.113.5"`)) {
		t.Fatalf("the log does not name the forwarded client:\n%s", th.log.b.String())
	}
}
