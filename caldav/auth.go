package caldav

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kalends/kalends/backend"
)

// authCacheTTL bounds how long a verified password is trusted without
// running argon2id again. CalDAV clients send Basic credentials on every
// request; hashing each would cost tens of milliseconds per request.
const authCacheTTL = 5 * time.Minute

// authRecheck is how long a cached login is used without reading the
// whole account again: within it, a new display name or address made by
// another process may not show yet. The password hash is read on every
// request, so that a password change or an account deletion, by any
// process sharing the database, takes effect at once.
const authRecheck = 30 * time.Second

// unauthBodyGrace is how long a refused request's body may keep arriving:
// net/http reads what is left of it (up to 256 KiB) to keep the connection,
// and a client that declared a body and never sends it would otherwise
// hold the connection until the server's read timeout.
const unauthBodyGrace = 2 * time.Second

// maxHashing bounds the argon2id verifications running at once. Each one
// holds backend's argon2 memory (19 MiB) and a core while it runs, so more
// of them than cores gain no speed, only memory: a burst of first logins
// (a client opening all its connections at once, many users arriving
// together) would otherwise add 19 MiB per request to the server's peak.
var maxHashing = max(1, min(runtime.GOMAXPROCS(0), 4))

// authCache remembers recently verified credentials. Entries are keyed by a
// keyed hash of user and password (the password itself is never kept), and
// carry the stored hash they were verified against, so a password change
// invalidates them at once.
type authCache struct {
	mu       sync.Mutex
	key      [32]byte
	entries  map[[32]byte]authEntry
	inflight map[[32]byte]chan struct{} // credentials being verified, closed when done
	hashing  chan struct{}              // a slot per argon2id run, maxHashing of them
	hashes   atomic.Int64               // argon2id runs so far
	running  atomic.Int64               // argon2id runs right now
	peak     atomic.Int64               // most argon2id runs at once
}

type authEntry struct {
	principal *backend.Principal // nil until the account was read
	id        int64
	hash      string
	expires   time.Time // of the password verification
	checked   time.Time // when the account was last read
}

func newAuthCache() *authCache {
	c := &authCache{entries: map[[32]byte]authEntry{}, inflight: map[[32]byte]chan struct{}{},
		hashing: make(chan struct{}, maxHashing)}
	rand.Read(c.key[:])
	return c
}

func (c *authCache) digest(user, pass string) [32]byte {
	h := sha256.New()
	h.Write(c.key[:])
	h.Write([]byte(user))
	h.Write([]byte{0})
	h.Write([]byte(pass))
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// fresh returns the principal of a login verified against the account's
// current hash (id, hash, just read) and re-read recently.
func (c *authCache) fresh(d [32]byte, id int64, hash string) *backend.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[d]
	now := time.Now()
	if !ok || e.principal == nil || now.After(e.expires) || now.Sub(e.checked) > authRecheck {
		return nil
	}
	if e.id != id || subtle.ConstantTimeCompare([]byte(e.hash), []byte(hash)) != 1 {
		return nil
	}
	return e.principal
}

// verified reports whether the login was verified against this very hash.
func (c *authCache) verified(d [32]byte, id int64, hash string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[d]
	if !ok || time.Now().After(e.expires) {
		return false
	}
	return e.id == id && subtle.ConstantTimeCompare([]byte(e.hash), []byte(hash)) == 1
}

// check verifies password against the stored hash of account id, once for
// all the requests carrying the same credentials at the same time (digest
// d): the others wait for the first and accept its outcome when it
// verified them against this very hash.
func (c *authCache) check(ctx context.Context, d [32]byte, id int64, hash, password string) (bool, error) {
	var done chan struct{}
	for done == nil {
		c.mu.Lock()
		wait, busy := c.inflight[d]
		if !busy {
			done = make(chan struct{})
			c.inflight[d] = done
		}
		c.mu.Unlock()
		if busy {
			select {
			case <-wait:
			case <-ctx.Done():
				return false, ctx.Err()
			}
			if c.verified(d, id, hash) {
				return true, nil
			}
		}
	}
	defer func() {
		c.mu.Lock()
		delete(c.inflight, d)
		c.mu.Unlock()
		close(done)
	}()
	var ok bool
	err := c.argon(ctx, func() { ok = backend.CheckPassword(hash, password) })
	if ok {
		c.mark(d, id, hash)
	}
	return ok, err
}

// argon runs one argon2id computation in one of the maxHashing slots.
func (c *authCache) argon(ctx context.Context, run func()) error {
	select {
	case c.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.hashing }()
	c.hashes.Add(1)
	n := c.running.Add(1)
	defer c.running.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	run()
	return nil
}

// mark records that the credentials d were verified against hash of
// account id, before the account itself is read.
func (c *authCache) mark(d [32]byte, id int64, hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[d]
	if e.id != id || e.hash != hash {
		e.principal = nil
	}
	e.id, e.hash, e.expires = id, hash, time.Now().Add(authCacheTTL)
	c.entries[d] = e
}

func (c *authCache) put(d [32]byte, p *backend.Principal, hash string, reverified bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10000 { // a crude bound: drop everything rather than grow
		c.entries = map[[32]byte]authEntry{}
	}
	now := time.Now()
	e := c.entries[d]
	if reverified || e.expires.IsZero() {
		e.expires = now.Add(authCacheTTL)
	}
	e.principal, e.id, e.hash, e.checked = p, p.ID, hash, now
	c.entries[d] = e
}

// dummyHash is verified against when the user does not exist, so that a
// wrong user name costs the same time as a wrong password.
var dummyHash, _ = backend.HashPassword("kalends-no-such-user")

type ctxKey int

const userKey ctxKey = 0

// authenticate checks HTTP Basic credentials (RFC 7617) and returns the
// logged-in user, or nil.
func (h *Handler) authenticate(r *http.Request) (*backend.Principal, error) {
	name, pass, ok := r.BasicAuth()
	if !ok || name == "" {
		return nil, nil
	}
	// The stored hash is read every time: one indexed query, the price of
	// a password change or deletion taking effect at once everywhere.
	id, hash, err := h.store.Credentials(r.Context(), name)
	if errors.Is(err, backend.ErrNotFound) || (err == nil && hash == "") {
		err := h.auth.argon(r.Context(), func() { backend.CheckPassword(dummyHash, pass) })
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	d := h.auth.digest(name, pass)
	if p := h.auth.fresh(d, id, hash); p != nil {
		return p, nil
	}
	known := h.auth.verified(d, id, hash)
	if !known {
		ok, err := h.auth.check(r.Context(), d, id, hash, pass)
		if err != nil || !ok {
			return nil, err
		}
	}
	p, err := h.store.PrincipalByID(r.Context(), id)
	if errors.Is(err, backend.ErrNotFound) {
		return nil, nil // deleted between the two reads
	}
	if err != nil {
		return nil, err
	}
	h.auth.put(d, p, hash, !known)
	return p, nil
}

// currentUser returns the authenticated principal of a request.
func currentUser(ctx context.Context) *backend.Principal {
	p, _ := ctx.Value(userKey).(*backend.Principal)
	return p
}

// requireAuth answers 401 with a Basic challenge unless the request carries
// valid credentials, and 429 while failed logins for its user name or from
// its address are throttled (throttle.go). It runs before anything reads
// the request body.
func (h *Handler) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _, tried := r.BasicAuth()
		tried = tried && name != ""
		addr := clientAddr(r)
		if tried {
			setLogUser(r, name)
			if wait := h.throttle.wait(name, addr); wait > 0 {
				h.logger.WarnContext(r.Context(), "login throttled", "user", name, "addr", addr, "retry_after", wait)
				w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
				h.refuseLogin(w, r, http.StatusTooManyRequests, "too many failed logins; try again later")
				return
			}
		}
		user, err := h.authenticate(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if user == nil {
			if tried {
				h.throttle.failed(name, addr)
				h.logger.WarnContext(r.Context(), "login failed", "user", name, "addr", addr)
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="kalends", charset="UTF-8"`)
			h.refuseLogin(w, r, http.StatusUnauthorized, "authentication required")
			return
		}
		h.throttle.succeeded(name, addr)
		setLogUser(r, user.Name)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, user)))
	})
}

// refuseLogin answers a request that will not be served. Its body is left
// unread: the connection is kept only if the rest of the body arrives
// within unauthBodyGrace, so a client that never sends it cannot hold the
// connection before it has even logged in.
func (h *Handler) refuseLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if r.ContentLength != 0 {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(unauthBodyGrace))
	}
	setLogError(r, msg)
	http.Error(w, msg, status)
}
