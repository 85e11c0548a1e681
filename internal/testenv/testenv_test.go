package testenv

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// databaseName connects to dsn and returns current_database().
func databaseName(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", redact(dsn), err)
	}
	defer conn.Close(ctx)
	var name string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// databaseExists asks the maintenance database whether name exists.
func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	maint, err := maintenanceURL()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := connect(ctx, maint)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

func TestPostgresDBIsFreshAndDropped(t *testing.T) {
	var name string
	t.Run("use", func(t *testing.T) {
		dsn := PostgresDB(t)
		name = databaseName(t, dsn)
		if !strings.HasPrefix(name, "kalends_test_"+strconv.Itoa(os.Getpid())+"_") {
			t.Fatalf("database name %q lacks the kalends_test_<pid>_ prefix", name)
		}
		if !databaseExists(t, name) {
			t.Fatalf("database %s not listed in pg_database", name)
		}
		// An open connection must not keep the cleanup from dropping it.
		ctx := context.Background()
		conn, err := connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(ctx) })
		if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		t.Skip("subtest did not get a database")
	}
	if databaseExists(t, name) {
		t.Fatalf("database %s still exists after the subtest's cleanup", name)
	}
}

func TestPostgresDBDistinct(t *testing.T) {
	if maint, err := maintenanceURL(); err == nil {
		t.Logf("server: %s", redact(maint))
	}
	a, b := databaseName(t, PostgresDB(t)), databaseName(t, PostgresDB(t))
	if a == b {
		t.Fatalf("two calls gave the same database %s", a)
	}
}

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h:1/postgres?sslmode=disable":      "postgres://u:p@h:1/db1?sslmode=disable",
		"postgresql://h/postgres?dbname=x&sslmode=disable": "postgresql://h/db1?sslmode=disable",
		"host=/tmp port=5 user=postgres dbname=postgres":   "host=/tmp port=5 user=postgres dbname=postgres dbname=db1",
		"postgres://h:5432?application_name=kalends":       "postgres://h:5432/db1?application_name=kalends",
	} {
		got, err := withDatabase(in, "db1")
		if err != nil || got != want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestSQLitePath(t *testing.T) {
	a, b := SQLitePath(t), SQLitePath(t)
	if a == b {
		t.Fatalf("two calls gave the same path %s", a)
	}
	if _, err := os.Stat(a); !os.IsNotExist(err) {
		t.Fatalf("%s should not exist yet: %v", a, err)
	}
	if _, err := os.Stat(filepath.Dir(a)); err != nil {
		t.Fatalf("directory of %s: %v", a, err)
	}
}

func TestFreePort(t *testing.T) {
	port := FreePort(t)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("port %d is not free: %v", port, err)
	}
	l.Close()
}

func TestPythonAndCommand(t *testing.T) {
	if os.Getenv("KALENDS_REQUIRE_CLIENTS") == "1" {
		t.Skip("checks the skipping behaviour, which KALENDS_REQUIRE_CLIENTS=1 turns into failures")
	}
	skipped := func(f func(t *testing.T)) bool {
		var s bool
		t.Run("probe", func(t *testing.T) {
			defer func() { s = t.Skipped() }()
			f(t)
		})
		return s
	}
	if !skipped(func(t *testing.T) { Python(t, "kalends_no_such_module") }) {
		t.Error("Python with a missing module did not skip")
	}
	if !skipped(func(t *testing.T) { Command(t, "kalends-no-such-command") }) {
		t.Error("Command with a missing command did not skip")
	}
	if p := Command(t, "sh"); !filepath.IsAbs(p) {
		t.Errorf("Command(sh) = %q, want an absolute path", p)
	}
	// The repository has a directory named caldav; it must not pass for the
	// python module of that name.
	if !skipped(func(t *testing.T) {
		t.Chdir(t.TempDir())
		if err := os.Mkdir("kalends_shadow_mod", 0o755); err != nil {
			t.Fatal(err)
		}
		Python(t, "kalends_shadow_mod")
	}) {
		t.Error("a directory in the working directory passed for a python module")
	}
}
