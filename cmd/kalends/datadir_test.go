package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataDirFoundFromAnywhere: administration commands run in different
// working directories find the same database, in the per-user data
// directory, and create no kalends.db where they run.
func TestDataDirFoundFromAnywhere(t *testing.T) {
	home := t.TempDir()
	vars := map[string]string{"HOME": home}
	t.Chdir(t.TempDir())
	if code, _, stderr := runCmd(t, "secret-password\n", vars, "user", "add", "alice", "--email", "alice@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %d %s", code, stderr)
	}
	if _, err := os.Stat("kalends.db"); err == nil {
		t.Fatal("user add created ./kalends.db in its working directory")
	}
	if _, err := os.Stat(filepath.Join(home, ".local", "state", "kalends", "kalends.db")); err != nil {
		t.Fatalf("no database in the data directory: %v", err)
	}
	t.Chdir(t.TempDir())
	if code, out, stderr := runCmd(t, "", vars, "user", "list"); code != 0 || !strings.Contains(out, "alice") {
		t.Fatalf("user list elsewhere: %d %q %q", code, out, stderr)
	}
	// --data-dir and $KALENDS_DATA_DIR name another directory.
	other := t.TempDir()
	if code, out, _ := runCmd(t, "", vars, "user", "list", "--data-dir", other); code != 0 || strings.Contains(out, "alice") {
		t.Fatalf("user list --data-dir: %d %q", code, out)
	}
	if code, out, _ := runCmd(t, "", map[string]string{"HOME": home, "KALENDS_DATA_DIR": other}, "user", "list"); code != 0 || strings.Contains(out, "alice") {
		t.Fatalf("user list with KALENDS_DATA_DIR: %d %q", code, out)
	}
	// Without a home or a data directory, the error says how to give one.
	if code, _, stderr := runCmd(t, "", nil, "user", "list"); code != 1 || !strings.Contains(stderr, "--data-dir") {
		t.Fatalf("user list with no data directory: %d %q", code, stderr)
	}
}

// TestDataDirKeepsWorkingDirectoryDatabase: a ./kalends.db made before the
// data directory existed is still used, and the command says so.
func TestDataDirKeepsWorkingDirectoryDatabase(t *testing.T) {
	t.Chdir(t.TempDir())
	old := map[string]string{"KALENDS_DATABASE_URL": "kalends.db"}
	if code, _, stderr := runCmd(t, "secret-password\n", old, "user", "add", "alice", "--email", "alice@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %d %s", code, stderr)
	}
	vars := map[string]string{"HOME": t.TempDir()}
	code, out, stderr := runCmd(t, "", vars, "user", "list")
	if code != 0 || !strings.Contains(out, "alice") || !strings.Contains(stderr, "using ./kalends.db") {
		t.Fatalf("user list beside an old ./kalends.db: %d %q %q", code, out, stderr)
	}
	// A data directory asked for wins over the working directory's file.
	if code, out, _ := runCmd(t, "", vars, "user", "list", "--data-dir", t.TempDir()); code != 0 || strings.Contains(out, "alice") {
		t.Fatalf("user list --data-dir beside an old ./kalends.db: %d %q", code, out)
	}
}
