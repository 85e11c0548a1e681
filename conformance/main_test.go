package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kalends/kalends/internal/testenv"
)

// Time limits. Every subprocess and every request is bounded, so that a hung
// server fails a test instead of hanging the run.
const (
	buildTimeout    = 5 * time.Minute
	commandTimeout  = time.Minute      // kalends user add and the like
	serverLifetime  = 20 * time.Minute // upper bound on one server process
	startTimeout    = 30 * time.Second // until /healthz answers
	stopTimeout     = 15 * time.Second // SIGTERM to exit, before SIGKILL
	requestTimeout  = 30 * time.Second // one HTTP request
	externalTimeout = 5 * time.Minute  // litmus, python3-caldav
)

// Paths set up by TestMain.
var (
	kalendsBin  string // the binary under test
	coverDir    string // GOCOVERDIR given to every kalends process
	buildFailed error  // why the binary could not be built, if it could not
)

// TestMain builds the real binary once, instrumented for coverage, so that
// the conformance runs count toward the project's coverage.
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "kalends-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	// An outer GOCOVERDIR (a CI job collecting coverage) wins; otherwise
	// the counters go to a directory of this run.
	coverDir = os.Getenv("GOCOVERDIR")
	if coverDir == "" {
		coverDir = filepath.Join(tmp, "cover")
		if err := os.Mkdir(coverDir, 0o755); err != nil {
			coverDir = ""
		}
	}
	kalendsBin = filepath.Join(tmp, "kalends")
	buildFailed = build(kalendsBin)
	return m.Run()
}

// build compiles ./cmd/kalends with -cover into bin.
func build(bin string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-cover", "-o", bin, "./cmd/kalends")
	cmd.Dir = ".." // the module root: this package is conformance/
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build -cover ./cmd/kalends: %v\n%s", err, out)
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for the server's stderr copier and the
// test reading it at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is one running `kalends serve` process.
type server struct {
	store    string // "sqlite" or "postgres"
	database string // the --database value
	base     string // http://127.0.0.1:PORT, no trailing slash
	stderr   *syncBuffer
	users    map[string]string // name → password
	args     []string          // extra flags of kalends serve
}

// testUsers are created on every server: alice does most things, bob is the
// "other user" whose data alice must not reach.
var testUsers = []string{"alice", "bob"}

// password is the password of a test user.
func password(user string) string { return "pw-" + user + "-Kalends!" }

// forEachStore runs fn as two subtests, "sqlite" and "postgres", each with a
// server of its own on a fresh database.
func forEachStore(t *testing.T, fn func(t *testing.T, srv *server)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, startServer(t, "sqlite", testenv.SQLitePath(t)))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, startServer(t, "postgres", testenv.PostgresDB(t)))
	})
}

// startServer creates the test users in database, starts kalends serve on
// it and waits until /healthz answers. The server is stopped when t ends;
// its log is printed if t failed. serveArgs are further flags of kalends
// serve (the SMTP relay, for instance).
func startServer(t *testing.T, store, database string, serveArgs ...string) *server {
	t.Helper()
	if buildFailed != nil {
		t.Fatalf("the kalends binary could not be built: %v", buildFailed)
	}
	srv := &server{store: store, database: database, stderr: &syncBuffer{}, users: map[string]string{}, args: serveArgs}
	for _, u := range testUsers {
		srv.addUser(t, u)
	}
	// The port may be taken between FreePort and the server's listen; try
	// again with another in that case.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if lastErr = srv.start(t); lastErr == nil {
			return srv
		}
		if !strings.Contains(srv.stderr.String(), "address already in use") {
			break
		}
	}
	t.Fatalf("starting kalends serve (%s): %v\n--- server log ---\n%s", store, lastErr, srv.stderr)
	return nil
}

// kalendsEnv is the environment of kalends subprocesses: the test's own
// plus GOCOVERDIR, minus any KALENDS_* setting that would change what the
// flags say.
func kalendsEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "KALENDS_") || strings.HasPrefix(kv, "GOCOVERDIR=") {
			continue
		}
		env = append(env, kv)
	}
	if coverDir != "" {
		env = append(env, "GOCOVERDIR="+coverDir)
	}
	return env
}

// addUser runs `kalends user add NAME --email NAME@example.com
// --password-stdin --database DB`, as an administrator would.
func (s *server) addUser(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, kalendsBin, "user", "add", name, "--email", name+"@example.com",
		"--password-stdin", "--database", s.database)
	cmd.Env = kalendsEnv()
	cmd.Stdin = strings.NewReader(password(name) + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kalends user add %s: %v\n%s", name, err, out)
	}
	s.users[name] = password(name)
}

// start launches the process and waits for /healthz.
func (s *server) start(t *testing.T) error {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), serverLifetime)
	args := append([]string{"serve", "--listen", addr, "--database", s.database, "--log-level", "debug"}, s.args...)
	cmd := exec.CommandContext(ctx, kalendsBin, args...)
	cmd.Env = kalendsEnv()
	cmd.Stdout = s.stderr
	cmd.Stderr = s.stderr
	// Cancelling asks for a graceful stop (so coverage counters are
	// written); WaitDelay turns it into SIGKILL when the server lingers.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopTimeout
	if err := cmd.Start(); err != nil {
		cancel()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	s.base = "http://" + addr
	if err := s.waitHealthy(done); err != nil {
		cancel()
		<-done
		return err
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !isTermination(err) {
			t.Errorf("kalends serve (%s) exited badly: %v", s.store, err)
		}
		if t.Failed() {
			t.Logf("--- kalends serve (%s) log ---\n%s", s.store, s.stderr)
		}
	})
	return nil
}

// isTermination reports whether err only says that the test stopped the
// process: exec reports the context's error when the process exited 0
// after Cancel, and the signal when it died of it.
func isTermination(err error) bool {
	if errors.Is(err, context.Canceled) {
		return true
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal() == syscall.SIGTERM
		}
	}
	return false
}

// waitHealthy polls /healthz until it answers 200, the process exits or
// startTimeout passes.
func (s *server) waitHealthy(done <-chan error) error {
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("the server exited before answering: %v", err)
		default:
		}
		resp, err := client.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("/healthz did not answer 200 within %v", startTimeout)
}

// url returns the absolute URL of path on the server.
func (s *server) url(path string) string { return s.base + path }

// Well-known paths of a user (README.md "URLs").
func principalPath(user string) string { return "/dav/principals/users/" + user + "/" }
func homePath(user string) string      { return "/dav/calendars/users/" + user + "/" }
func calendarPath(user, cal string) string {
	return homePath(user) + cal + "/"
}
