package caldav

import (
	"context"
	"fmt"
	"net/http"
	"sync"
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

// TestAuthConcurrentFirstLogins: a burst of first requests runs argon2id
// once per set of credentials, and never more than maxHashing at once,
// whatever the number of requests: each run holds 19 MiB.
func TestAuthConcurrentFirstLogins(t *testing.T) {
	ts := newTestServer(t)
	h := ts.srv.Config.Handler.(*Handler)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, _ := ts.do("alice", "PROPFIND", "/dav/", "", "Depth", "0")
			if resp.StatusCode != 207 {
				t.Errorf("status %d, want 207", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if n := h.auth.hashes.Load(); n != 1 {
		t.Errorf("8 concurrent first logins of one user ran argon2id %d times, want 1", n)
	}
	for i := range 6 {
		name := fmt.Sprintf("user%d", i)
		hash, _ := backend.HashPassword("pw-" + name)
		if err := ts.store.CreatePrincipal(context.Background(), &backend.Principal{Kind: backend.KindUser, Name: name}, hash); err != nil {
			t.Fatal(err)
		}
		for _, pass := range []string{"pw-" + name, "wrong"} {
			wg.Go(func() {
				req, _ := http.NewRequest("PROPFIND", ts.srv.URL+"/dav/", nil)
				req.SetBasicAuth(name, pass)
				req.Header.Set("Depth", "0")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if want := map[bool]int{true: 207, false: 401}[pass != "wrong"]; resp.StatusCode != want {
					t.Errorf("%s with %q: status %d, want %d", name, pass, resp.StatusCode, want)
				}
			})
		}
	}
	wg.Wait()
	if p := h.auth.peak.Load(); p > int64(maxHashing) {
		t.Errorf("%d argon2id runs at once, want at most %d", p, maxHashing)
	}
	if n := h.auth.hashes.Load(); n != 13 {
		t.Errorf("argon2id ran %d times in all, want 13 (one per set of credentials)", n)
	}
}
