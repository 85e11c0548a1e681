package caldav

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/kalends/kalends/backend"
)

// TestAuthCacheFollowsPasswordChange: a cached login stops working as
// soon as the password changes or the account is deleted, whoever changed
// it (here the store directly, as another process would), and the new
// password works at once.
func TestAuthCacheFollowsPasswordChange(t *testing.T) {
	ts := newTestServer(t)
	ts.must(207, "alice", "PROPFIND", "/dav/", "", "Depth", "0")
	hash, _ := backend.HashPassword("new-password")
	if err := ts.store.SetPassword(context.Background(), ts.users["alice"].ID, hash); err != nil {
		t.Fatal(err)
	}
	ts.must(401, "alice", "PROPFIND", "/dav/", "", "Depth", "0")
	if code := ts.doAs("alice", "new-password", "PROPFIND", "/dav/"); code != 207 {
		t.Fatalf("new password: status %d, want 207", code)
	}

	ts.must(207, "bob", "PROPFIND", "/dav/", "", "Depth", "0")
	if err := ts.store.DeletePrincipal(context.Background(), ts.users["bob"].ID); err != nil {
		t.Fatal(err)
	}
	ts.must(401, "bob", "PROPFIND", "/dav/", "", "Depth", "0")
	ts.must(401, "bob", "MKCALENDAR", "/dav/calendars/users/bob/new/", "")
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
