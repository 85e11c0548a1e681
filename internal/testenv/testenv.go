// Package testenv gives Kalends' tests what they need from the machine they
// run on: a fresh PostgreSQL database, a fresh SQLite path, a free TCP port,
// and the external clients (python modules, commands) used by conformance
// tests.
//
// It is for tests only: nothing outside _test.go files may import it.
//
// Environment:
//
//	KALENDS_TEST_DATABASE_URL  maintenance database on the PostgreSQL server to
//	                           use; tests create and drop their own databases
//	                           there and touch no other
//	KALENDS_REQUIRE_POSTGRES=1 a missing PostgreSQL fails the test instead of
//	                           skipping it (so does CI being set)
//	KALENDS_PYTHON             the python3 interpreter to try first
//	KALENDS_REQUIRE_CLIENTS=1  a missing python module or command fails the
//	                           test instead of skipping it
//
// ./scripts/test sets the first two itself.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPostgresURL is the server probed when KALENDS_TEST_DATABASE_URL is
// not set: a local PostgreSQL with trust authentication, as Debian's package
// can be configured.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const (
	connectTimeout   = 3 * time.Second
	statementTimeout = 60 * time.Second
)

var (
	probeOnce sync.Once
	probeURL  string // maintenance URL of the server found, if any
	probeErr  error

	dbCounter atomic.Uint64
)

// maintenanceURL returns the URL of the maintenance database of the server
// tests use, probing it once per process.
func maintenanceURL() (string, error) {
	probeOnce.Do(func() {
		probeURL = os.Getenv("KALENDS_TEST_DATABASE_URL")
		if probeURL == "" {
			probeURL = DefaultPostgresURL
		}
		ctx, cancel := context.WithTimeout(context.Background(), statementTimeout)
		defer cancel()
		conn, err := connect(ctx, probeURL)
		if err != nil {
			probeErr = err
			return
		}
		defer conn.Close(ctx)
		probeErr = conn.Ping(ctx)
	})
	return probeURL, probeErr
}

func connect(ctx context.Context, connString string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	cfg.ConnectTimeout = connectTimeout
	return pgx.ConnectConfig(ctx, cfg)
}

// PostgresDB creates a fresh, empty database on the test PostgreSQL server,
// drops it (closing any connection still open to it) when t and its subtests
// finish, and returns a connection string for it in the form of
// KALENDS_TEST_DATABASE_URL (a URL unless that variable holds keyword=value
// settings).
//
// Without a reachable server the test is skipped, or fails when
// KALENDS_REQUIRE_POSTGRES=1, CI or KALENDS_TEST_DATABASE_URL is set: there a
// silent skip would hide that nothing was tested.
func PostgresDB(t testing.TB) string {
	t.Helper()
	maint, err := maintenanceURL()
	if err != nil {
		if os.Getenv("KALENDS_TEST_DATABASE_URL") != "" {
			t.Fatalf("testenv: PostgreSQL at KALENDS_TEST_DATABASE_URL=%s is not usable: %v", redact(maint), err)
		}
		if postgresRequired() {
			t.Fatalf("testenv: no PostgreSQL reachable at %s (%v), and KALENDS_REQUIRE_POSTGRES=1 or CI forbids skipping; run ./scripts/test, which provides one", redact(maint), err)
		}
		t.Skipf("testenv: no PostgreSQL reachable at %s (%v); run ./scripts/test, or set KALENDS_TEST_DATABASE_URL to a maintenance database on a server where this user may create databases", redact(maint), err)
	}

	name := fmt.Sprintf("kalends_test_%d_%d_%s", os.Getpid(), dbCounter.Add(1), randomHex(4))
	ident := pgx.Identifier{name}.Sanitize()
	if err := execMaintenance(maint, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("testenv: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := execMaintenance(maint, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: dropping database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(maint, name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return dsn
}

func postgresRequired() bool {
	return os.Getenv("KALENDS_REQUIRE_POSTGRES") == "1" || isSet("CI")
}

// isSet reports whether an environment variable holds a true-ish value.
func isSet(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

// execMaintenance runs one statement on its own connection, since CREATE and
// DROP DATABASE cannot run inside a transaction or on the database they name.
func execMaintenance(maint, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), statementTimeout)
	defer cancel()
	conn, err := connect(ctx, maint)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns the connection string maint pointing at database name.
func withDatabase(maint, name string) (string, error) {
	if strings.HasPrefix(maint, "postgres://") || strings.HasPrefix(maint, "postgresql://") {
		u, err := url.Parse(maint)
		if err != nil {
			return "", fmt.Errorf("parsing KALENDS_TEST_DATABASE_URL: %w", err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		q := u.Query()
		q.Del("dbname")
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	// In keyword=value form the last setting of a keyword wins.
	return maint + " dbname=" + name, nil
}

// redact hides the password of a URL for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// SQLitePath returns the path of a SQLite database file that does not exist
// yet, in a directory removed when t finishes.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "kalends.db")
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pythonPackages names the Debian package that provides a python module,
// where it is not simply "python3-<module>".
var pythonPackages = map[string]string{
	"recurring_ical_events": "python3-recurring-ical-events",
	"xandikos":              "xandikos",
}

// Python returns a python3 interpreter that can import all of modules:
// KALENDS_PYTHON, else /usr/bin/python3 (which sees Debian's packages), else
// python3 on PATH. When none can, the test is skipped naming the Debian
// packages to install, or fails when KALENDS_REQUIRE_CLIENTS=1.
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	var tried []string
	var missing []string
	for _, py := range pythonCandidates() {
		absent := missingModules(py, modules)
		if len(absent) == 0 {
			return py
		}
		tried = append(tried, py)
		if missing == nil {
			missing = absent
		}
	}
	if len(tried) == 0 {
		clientMissing(t, "no python3 interpreter found (set KALENDS_PYTHON, or install Debian package python3)")
	}
	var pkgs []string
	for _, m := range missing {
		top, _, _ := strings.Cut(m, ".")
		pkg, ok := pythonPackages[top]
		if !ok {
			pkg = "python3-" + strings.ReplaceAll(strings.ToLower(top), "_", "-")
		}
		pkgs = append(pkgs, pkg)
	}
	clientMissing(t, fmt.Sprintf("python module(s) %s not importable by %s (install Debian package(s) %s, or set KALENDS_PYTHON)",
		strings.Join(missing, ", "), strings.Join(tried, ", "), strings.Join(pkgs, " ")))
	return ""
}

func pythonCandidates() []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" || seen[p] {
			return
		}
		seen[p] = true
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	add(os.Getenv("KALENDS_PYTHON"))
	add("/usr/bin/python3")
	if p, err := exec.LookPath("python3"); err == nil {
		add(p)
	}
	return out
}

// missingModules returns those of modules that py cannot import.
func missingModules(py string, modules []string) []string {
	var absent []string
	for _, m := range modules {
		cmd := exec.Command(py, "-c", "import "+m)
		// Run outside the package directory so that a source directory
		// named like the module (such as ./caldav) cannot shadow it.
		cmd.Dir = os.TempDir()
		if err := cmd.Run(); err != nil {
			absent = append(absent, m)
		}
	}
	if len(modules) == 0 {
		if err := exec.Command(py, "-c", "pass").Run(); err != nil {
			return []string{"(interpreter does not run)"}
		}
	}
	return absent
}

// Command returns the path of an external command such as litmus,
// vdirsyncer, radicale or xandikos. When it is not installed the test is
// skipped naming the Debian package, or fails when KALENDS_REQUIRE_CLIENTS=1.
func Command(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	// PATH of a non-login shell may lack the system directories.
	for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	// Debian names the package that installs each of these commands after it.
	clientMissing(t, fmt.Sprintf("command %s not found (install Debian package %s)", name, name))
	return ""
}

func clientMissing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("KALENDS_REQUIRE_CLIENTS") == "1" {
		t.Fatal("testenv: " + msg)
	}
	t.Skip("testenv: " + msg)
}
