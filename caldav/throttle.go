package caldav

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Failed logins slow down further attempts (issue 11, item 18): after
// userFreeFailures failures for one user name, or addrFreeFailures from one
// client address, every attempt for that name or from that address is
// answered 429 with Retry-After, without looking at the password, until a
// back-off has passed. The back-off doubles with each further failure, from
// throttleBase up to throttleMax; counts are forgotten throttleForget after
// their last failure.
//
// The address count is kept apart from the user count so that guessing
// many names from one place is slowed as much as guessing one password
// from many. So that a guesser cannot shut a user's own devices out, the
// user count does not hold back an address the user logged in from within
// knownFor (the address count still does); a success does not clear the
// count either, or each poll of the user's devices would hand the guesser
// fresh free attempts. Counts live in each server process.
const (
	userFreeFailures = 5
	addrFreeFailures = 20
	throttleBase     = time.Second
	throttleMax      = 5 * time.Minute
	throttleForget   = 15 * time.Minute
	knownFor         = 24 * time.Hour
	throttleMaxKeys  = 100000 // entries per map before expired ones are pruned
)

// loginThrottle counts failed logins per user name and per client address.
type loginThrottle struct {
	mu    sync.Mutex
	now   func() time.Time // time.Now; tests move it
	users map[string]*failures
	addrs map[string]*failures
	known map[string]time.Time // user name and address → last successful login
}

// failures is the failed-login record of one user name or address.
type failures struct {
	n     int       // failures in a row
	last  time.Time // of the latest failure
	until time.Time // attempts before it are refused
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{now: time.Now, users: map[string]*failures{}, addrs: map[string]*failures{},
		known: map[string]time.Time{}}
}

// wait returns how long the login attempt of user from addr must wait; 0
// lets it through.
func (t *loginThrottle) wait(user, addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	held := []*failures{t.addrs[addr]}
	if last, ok := t.known[knownKey(user, addr)]; !ok || now.Sub(last) > knownFor {
		held = append(held, t.users[strings.ToLower(user)])
	}
	var w time.Duration
	for _, f := range held {
		if f != nil && f.until.After(now) {
			w = max(w, f.until.Sub(now))
		}
	}
	return w
}

// failed records a failed login of user from addr.
func (t *loginThrottle) failed(user, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.record(t.users, strings.ToLower(user), userFreeFailures, now)
	t.record(t.addrs, addr, addrFreeFailures, now)
}

// succeeded records that user logged in from addr.
func (t *loginThrottle) succeeded(user, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.known) >= throttleMaxKeys {
		for k, last := range t.known {
			if now.Sub(last) > knownFor {
				delete(t.known, k)
			}
		}
		if len(t.known) >= throttleMaxKeys {
			clear(t.known)
		}
	}
	t.known[knownKey(user, addr)] = now
}

func knownKey(user, addr string) string { return strings.ToLower(user) + "\x00" + addr }

// record counts one failure under key; from the free-th on, each one
// makes the next attempt wait.
func (t *loginThrottle) record(m map[string]*failures, key string, free int, now time.Time) {
	f := m[key]
	if f == nil || now.Sub(f.last) > throttleForget {
		if len(m) >= throttleMaxKeys {
			prune(m, now)
		}
		f = &failures{}
		m[key] = f
	}
	f.n++
	f.last = now
	if f.n >= free {
		f.until = now.Add(backoff(f.n - free + 1))
	}
}

// backoff is the wait after the over-th failure that is not free.
func backoff(over int) time.Duration {
	if over > 20 {
		return throttleMax
	}
	return min(throttleBase<<(over-1), throttleMax)
}

// prune drops forgotten records, or all of them when none is, so that a
// flood of names or addresses cannot grow the map without bound.
func prune(m map[string]*failures, now time.Time) {
	for k, f := range m {
		if now.Sub(f.last) > throttleForget {
			delete(m, k)
		}
	}
	if len(m) >= throttleMaxKeys {
		clear(m)
	}
}

// clientAddr is the client's address, as logRequests found it.
func clientAddr(r *http.Request) string {
	if li, ok := r.Context().Value(logKey).(*logInfo); ok && li.addr != "" {
		return li.addr
	}
	return peerAddr(r)
}

// peerAddr is the address of the connection's other end, without its port.
func peerAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// forwardedAddr is the client's address when the connection comes from
// one of the trusted reverse proxies: the last X-Forwarded-For hop that is
// not a trusted proxy itself (earlier hops are the client's to invent).
// Otherwise, or when a hop does not parse, it is the last trusted address.
func forwardedAddr(r *http.Request, trusted []netip.Prefix) string {
	addr := peerAddr(r)
	if !isTrusted(addr, trusted) {
		return addr
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr
		}
		addr = a.Unmap().String()
		if !isTrusted(addr, trusted) {
			return addr
		}
	}
	return addr
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
