package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/kalends/kalends/config"
	"github.com/kalends/kalends/internal/testenv"
)

// runCmd runs one command line in-process and returns its exit status and
// output.
func runCmd(t *testing.T, stdin string, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	db := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t)}
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"serve", "--no-such-flag"},
		{"serve", "extra"},
		{"serve", "--log-format", "xml"},
		{"migrate", "--bogus"},
		{"user"},
		{"user", "rename"},
		{"user", "add"},
		{"user", "add", "a", "b"},
		{"user", "add", "bad name!", "--password-stdin"},
		{"user", "add", "bob", "--password-stdin"}, // no --email
		{"user", "add", "bob", "--email", "not-an-address", "--password-stdin"},
		{"user", "delete"},
		{"version", "extra"},
	} {
		code, _, stderr := runCmd(t, "pw\n", db, args...)
		if code != exitUsage {
			t.Errorf("kalends %v: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
		if !strings.Contains(stderr, "Usage") {
			t.Errorf("kalends %v printed no usage: %q", args, stderr)
		}
	}
}

func TestHelpExits0(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "-h"}, {"user", "--help"},
		{"user", "add", "--help"}, {"user", "passwd", "--help"}, {"user", "list", "--help"}, {"user", "delete", "--help"},
		{"version", "--help"}} {
		if code, _, stderr := runCmd(t, "", nil, args...); code != 0 || !strings.Contains(stderr, "Usage") {
			t.Errorf("kalends %v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestUnreachableDatabaseIsOneLine(t *testing.T) {
	port := testenv.FreePort(t) // nothing listens there
	env := map[string]string{"KALENDS_DATABASE_URL": fmt.Sprintf("postgres://nobody@127.0.0.1:%d/x?connect_timeout=2", port)}
	for _, args := range [][]string{{"serve", "--listen", "127.0.0.1:0"}, {"migrate"}, {"user", "list"}} {
		code, _, stderr := runCmd(t, "", env, args...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1", args, code)
		}
		if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(stderr, "127.0.0.1") {
			t.Fatalf("%v: want one error line naming the host, got %q", args, stderr)
		}
	}
}

func TestSchemaNewerThanBinaryRefused(t *testing.T) {
	path := testenv.SQLitePath(t)
	env := map[string]string{"KALENDS_DATABASE_URL": path}
	if code, _, stderr := runCmd(t, "", env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, stderr := runCmd(t, "", env, "serve", "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "newer than this binary") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("serve on a newer schema: exit %d, stderr %q", code, stderr)
	}
}

func TestUserCommands(t *testing.T) {
	env := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t)}
	code, out, stderr := runCmd(t, "s3cret-password\n", env, "user", "add", "alice", "--email", "alice@example.com", "--admin", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created user alice") {
		t.Fatalf("user add: %d %q %q", code, out, stderr)
	}
	// An existing name fails clearly and changes nothing.
	code, _, stderr = runCmd(t, "other-password\n", env, "user", "add", "alice", "--email", "new@example.com", "--password-stdin")
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("duplicate user add: %d %q", code, stderr)
	}
	code, out, _ = runCmd(t, "", env, "user", "list")
	if code != 0 || strings.Count(out, "alice") != 2 || strings.Contains(out, "new@example.com") || !strings.Contains(out, "true") {
		t.Fatalf("user list after a refused add: %q", out)
	}
	// Without a terminal a password must come from --password-stdin.
	if code, _, stderr = runCmd(t, "x\n", env, "user", "add", "bob", "--email", "bob@example.com"); code != 1 || !strings.Contains(stderr, "--password-stdin") {
		t.Fatalf("user add without a terminal: %d %q", code, stderr)
	}
	if code, _, stderr = runCmd(t, "\n", env, "user", "add", "bob", "--email", "bob@example.com", "--password-stdin"); code != 1 || !strings.Contains(stderr, "empty password") {
		t.Fatalf("user add with an empty password: %d %q", code, stderr)
	}
	// Passwords shorter than 8 characters are refused, and nothing changes.
	if code, _, stderr = runCmd(t, "x\n", env, "user", "add", "bob", "--email", "bob@example.com", "--password-stdin"); code != 1 || !strings.Contains(stderr, "at least 8") {
		t.Fatalf("user add with a 1-character password: %d %q", code, stderr)
	}
	if code, _, stderr = runCmd(t, "1234567\n", env, "user", "passwd", "alice", "--password-stdin"); code != 1 || !strings.Contains(stderr, "at least 8") {
		t.Fatalf("user passwd with a 7-character password: %d %q", code, stderr)
	}
	if code, out, _ = runCmd(t, "", env, "user", "list"); code != 0 || strings.Contains(out, "bob") {
		t.Fatalf("user list after a refused add: %q", out)
	}
	if code, _, stderr = runCmd(t, "n3w-password\n", env, "user", "passwd", "alice", "--password-stdin"); code != 0 {
		t.Fatalf("user passwd: %d %q", code, stderr)
	}
	if code, _, stderr = runCmd(t, "n3w-password\n", env, "user", "passwd", "zed", "--password-stdin"); code != 1 || !strings.Contains(stderr, "no user") {
		t.Fatalf("user passwd of unknown: %d %q", code, stderr)
	}
	if code, _, _ = runCmd(t, "", env, "user", "delete", "alice"); code != 0 {
		t.Fatalf("user delete: %d", code)
	}
	if code, _, stderr = runCmd(t, "", env, "user", "delete", "alice"); code != 1 || !strings.Contains(stderr, "no user") {
		t.Fatalf("second user delete: %d %q", code, stderr)
	}
}

// TestServeAuthAndShutdown runs the server in-process on both stores over
// real HTTP: Basic authentication, 401 challenge, a PROPFIND answered 207,
// /healthz, and a clean stop when the context ends.
func TestServeAuthAndShutdown(t *testing.T) {
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return testenv.SQLitePath(t) },
		"postgres": func(t *testing.T) string { return testenv.PostgresDB(t) },
	}
	for name, dsn := range stores {
		t.Run(name, func(t *testing.T) {
			db := dsn(t)
			vars := map[string]string{"KALENDS_DATABASE_URL": db}
			if code, _, stderr := runCmd(t, "alice-password\n", vars, "user", "add", "alice", "--email", "alice@example.com", "--password-stdin"); code != 0 {
				t.Fatalf("user add: %s", stderr)
			}
			cfg := config.Defaults()
			cfg.Database, cfg.Listen = db, "127.0.0.1:0"
			ctx, cancel := context.WithCancel(context.Background())
			ready, done := make(chan string, 1), make(chan error, 1)
			var logs bytes.Buffer
			go func() {
				done <- serve(ctx, &env{stderr: &logs, getenv: func(string) string { return "" }}, &cfg, ready)
			}()
			var addr string
			select {
			case addr = <-ready:
			case err := <-done:
				t.Fatalf("serve: %v", err)
			}
			base := "http://" + addr
			do := func(user, pass, method, path string) *http.Response {
				req, _ := http.NewRequest(method, base+path, nil)
				req.Header.Set("Depth", "0")
				if user != "" {
					req.SetBasicAuth(user, pass)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp
			}
			if r := do("", "", "PROPFIND", "/dav/"); r.StatusCode != 401 || r.Header.Get("WWW-Authenticate") == "" ||
				!strings.Contains(r.Header.Get("WWW-Authenticate"), `realm="kalends"`) {
				t.Fatalf("no credentials: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
			}
			for _, bad := range [][2]string{{"alice", "wrong"}, {"mallory", "alice-password"}, {"alice", ""}} {
				if r := do(bad[0], bad[1], "PROPFIND", "/dav/"); r.StatusCode != 401 {
					t.Fatalf("credentials %v: %d, want 401", bad, r.StatusCode)
				}
			}
			if r := do("alice", "alice-password", "PROPFIND", "/dav/"); r.StatusCode != 207 {
				t.Fatalf("PROPFIND /dav/: %d", r.StatusCode)
			}
			if r := do("", "", "GET", "/healthz"); r.StatusCode != 200 {
				t.Fatalf("healthz: %d", r.StatusCode)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("shutdown: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("server did not stop")
			}
			if !strings.Contains(logs.String(), "stopped") || !strings.Contains(logs.String(), "user=alice") {
				t.Fatalf("logs lack the request or stop lines:\n%s", logs.String())
			}
			if n := strings.Count(logs.String(), "invitations to people outside the server stay queued"); n != 1 {
				t.Fatalf("without an SMTP relay, %d log lines say mail stays queued, want 1:\n%s", n, logs.String())
			}
		})
	}
}
