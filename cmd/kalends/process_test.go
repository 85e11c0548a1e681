package main

import (
	"bytes"
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

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// kalendsBinary builds the command once per test run, as a user would.
func kalendsBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "kalends")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// TestServeProcessesStartTogetherAndStopOnSIGTERM starts several real
// server processes at once on one new SQLite file: each must come up (the
// migrations run once, not once per process racing the others), and each
// must stop cleanly, exit status 0, on SIGTERM.
func TestServeProcessesStartTogetherAndStopOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := kalendsBinary(t)
	db, dataDir := testenv.SQLitePath(t), t.TempDir()
	const n = 6
	type proc struct {
		cmd  *exec.Cmd
		addr string
		logs *bytes.Buffer
		done chan error
	}
	procs := make([]*proc, n)
	for i := range procs {
		p := &proc{addr: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)), logs: &bytes.Buffer{}, done: make(chan error, 1)}
		p.cmd = exec.Command(bin, "serve", "--listen", p.addr, "--database", db, "--data-dir", dataDir)
		p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
		procs[i] = p
	}
	for _, p := range procs {
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.cmd.Process.Kill() })
		go func() { p.done <- p.cmd.Wait() }()
	}
	for i, p := range procs {
		if err := waitHealthy(p.addr, p.done); err != nil {
			t.Fatalf("server %d of %d: %v\n%s", i+1, n, err, p.logs)
		}
	}
	for _, p := range procs {
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for i, p := range procs {
		select {
		case err := <-p.done:
			if err != nil || !strings.Contains(p.logs.String(), "stopped") {
				t.Fatalf("server %d after SIGTERM: %v\n%s", i+1, err, p.logs)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("server %d still running 30 s after SIGTERM\n%s", i+1, p.logs)
		}
	}
}

// waitHealthy polls /healthz until it answers 200 or the process exits.
func waitHealthy(addr string, exited <-chan error) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no answer from %s", addr)
}

// TestBinaryVersion: the built binary reports the version the toolchain
// recorded, not a placeholder.
func TestBinaryVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out, err := exec.Command(kalendsBinary(t), "--version").Output()
	if v := strings.TrimSpace(string(out)); err != nil || !strings.HasPrefix(v, "kalends ") || v == "kalends dev" || v == "kalends " {
		t.Fatalf("kalends --version: %q %v", out, err)
	}
}

// mkdirTemp is a directory for the binary that outlives single tests;
// TestMain removes it.
func mkdirTemp() (string, error) { return os.MkdirTemp("", "kalends-bin-") }

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
