package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/kalends/kalends/config"
	"github.com/kalends/kalends/internal/testenv"
)

// TestFeedURLsUseTheServersBaseURL: the feed commands print URLs of the
// server that last started with the data directory — its --base-url, or the
// address it listens on — not the default 127.0.0.1:8008.
func TestFeedURLsUseTheServersBaseURL(t *testing.T) {
	vars := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t), "KALENDS_DATA_DIR": t.TempDir()}
	if code, _, stderr := runCmd(t, "alice-password\n", vars, "user", "add", "alice", "--email", "alice@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	for _, tc := range []struct{ baseURL, want string }{
		{"", `^http://127\.0\.0\.1:(\d+)/feeds/`},
		{"https://cal.example.org/kalends/", `^https://cal\.example\.org/kalends/feeds/`},
	} {
		addr := startServe(t, vars, tc.baseURL)
		code, out, stderr := runCmd(t, "", vars, "feed", "create", "alice/calendar")
		m := regexp.MustCompile(tc.want).FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("server at %s with base URL %q: feed create printed %q (%q), want %s", addr, tc.baseURL, out, stderr, tc.want)
		}
		if len(m) > 1 && "127.0.0.1:"+m[1] != addr {
			t.Fatalf("feed URL %q does not name the server's address %s", out, addr)
		}
		if code, out, _ := runCmd(t, "", vars, "feed", "list", "alice"); code != 0 || !regexp.MustCompile(`(?m)`+tc.want[1:]).MatchString(out) {
			t.Fatalf("feed list: %q", out)
		}
	}
}

// TestServeWithDatabaseOnlyLeavesHomeAlone: a server given only --database
// (as tests and the benchmark do) uses no data directory, so it writes
// nothing into the user's.
func TestServeWithDatabaseOnlyLeavesHomeAlone(t *testing.T) {
	home := t.TempDir()
	startServe(t, map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t), "HOME": home}, "https://cal.example.org")
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("serve --database wrote into the home directory: %v", entries)
	}
}

// startServe runs serve with the database and data directory of vars on a
// free port until the test ends, and returns its address.
func startServe(t *testing.T, vars map[string]string, baseURL string) string {
	t.Helper()
	cfg := config.Defaults()
	cfg.Database, cfg.DataDir, cfg.Listen, cfg.BaseURL = vars["KALENDS_DATABASE_URL"], vars["KALENDS_DATA_DIR"], "127.0.0.1:0", baseURL
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- serve(ctx, &env{stderr: &bytes.Buffer{}, getenv: func(k string) string { return vars[k] }}, &cfg, ready)
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case addr := <-ready:
		return addr
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	return ""
}
