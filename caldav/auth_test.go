package caldav

import (
	"context"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// TestAuthCacheFollowsPasswordChange: a cached login keeps working only
// until the account is read again; then the new password is required.
func TestAuthCacheFollowsPasswordChange(t *testing.T) {
	ts := newTestServer(t)
	ts.must(207, "alice", "PROPFIND", "/dav/", "", "Depth", "0")
	hash, _ := backend.HashPassword("new-password")
	if err := ts.store.SetPassword(context.Background(), ts.users["alice"].ID, hash); err != nil {
		t.Fatal(err)
	}
	// Expire the recheck window instead of sleeping through it.
	h := ts.srv.Config.Handler.(*Handler)
	h.auth.mu.Lock()
	for k, e := range h.auth.entries {
		e.checked = time.Now().Add(-2 * authRecheck)
		h.auth.entries[k] = e
	}
	h.auth.mu.Unlock()
	ts.must(401, "alice", "PROPFIND", "/dav/", "", "Depth", "0")
}
