package caldav

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/kalends/kalends/backend"
)

// authCacheTTL bounds how long a verified password is trusted without
// running argon2id again. CalDAV clients send Basic credentials on every
// request; hashing each would cost tens of milliseconds per request.
const authCacheTTL = 5 * time.Minute

// authRecheck is how long a cached login is used without reading the
// account again: within it, a password change, an account deletion or a
// new display name made by another process takes effect. It saves two
// queries on every request.
const authRecheck = 30 * time.Second

// authCache remembers recently verified credentials. Entries are keyed by a
// keyed hash of user and password (the password itself is never kept), and
// carry the stored hash they were verified against, so a password change
// invalidates them at once.
type authCache struct {
	mu      sync.Mutex
	key     [32]byte
	entries map[[32]byte]authEntry
}

type authEntry struct {
	principal *backend.Principal
	hash      string
	expires   time.Time // of the password verification
	checked   time.Time // when the account was last read
}

func newAuthCache() *authCache {
	c := &authCache{entries: map[[32]byte]authEntry{}}
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

// fresh returns the principal of a login verified and re-read recently.
func (c *authCache) fresh(d [32]byte) *backend.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[d]
	now := time.Now()
	if !ok || now.After(e.expires) || now.Sub(e.checked) > authRecheck {
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
	return e.principal.ID == id && subtle.ConstantTimeCompare([]byte(e.hash), []byte(hash)) == 1
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
	e.principal, e.hash, e.checked = p, hash, now
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
	d := h.auth.digest(name, pass)
	if p := h.auth.fresh(d); p != nil {
		return p, nil
	}
	id, hash, err := h.store.Credentials(r.Context(), name)
	if errors.Is(err, backend.ErrNotFound) || (err == nil && hash == "") {
		backend.CheckPassword(dummyHash, pass)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	known := h.auth.verified(d, id, hash)
	if !known && !backend.CheckPassword(hash, pass) {
		return nil, nil
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
// valid credentials.
func (h *Handler) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := h.authenticate(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if user == nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="kalends", charset="UTF-8"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		setLogUser(r, user.Name)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, user)))
	})
}
