package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Credentials of the benchmark user.
const (
	benchUser     = "bench"
	benchPassword = "kalends-bench-password"
)

// server is a running `kalends serve` subprocess.
type server struct {
	cmd     *exec.Cmd
	pid     int
	addr    string // host:port
	logPath string
	done    chan struct{} // closed when the process has exited
	exitErr error         // valid once done is closed
}

// buildServer compiles the kalends command into dir. The import path
// rather than ./cmd/kalends lets it run from any directory of the module,
// as `go test` of this package does.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "kalends")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/kalends/kalends/cmd/kalends")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/kalends: %v\n%s", err, out)
	}
	return bin, nil
}

// addUser creates the benchmark user with the kalends binary itself, the
// way an administrator would.
func addUser(ctx context.Context, bin, dsn string) error {
	return kalendsCmd(ctx, bin, dsn, benchPassword+"\n",
		"user", "add", benchUser, "--email", benchUser+"@example.com", "--password-stdin")
}

// kalendsCmd runs one administrative command of the kalends binary on dsn
// (`kalends ARGS… --database DSN`) with stdin as its input and serverEnv's
// environment, as an administrator would.
func kalendsCmd(ctx context.Context, bin, dsn, stdin string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, append(args, "--database", dsn)...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = serverEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kalends %s: %v: %s", strings.Join(args[:min(2, len(args))], " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// addPrincipals creates the people (poolUsers users with attPassword) and
// the rooms (benchRooms) that the scheduling phases invite and ask about,
// a few commands at a time. The benchmark user, created first, has already
// run the migrations, so the commands do not race for them.
func addPrincipals(ctx context.Context, bin, dsn string) error {
	type job struct {
		stdin string
		args  []string
	}
	var jobs []job
	for i := 1; i <= poolUsers; i++ {
		jobs = append(jobs, job{attPassword + "\n",
			[]string{"user", "add", attName(i), "--email", attEmail(i), "--password-stdin"}})
	}
	for i := 1; i <= benchRooms; i++ {
		jobs = append(jobs, job{"", []string{"room", "add", roomName(i), "--email", roomEmail(i),
			"--capacity", strconv.Itoa(roomCapacity)}})
	}
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = kalendsCmd(ctx, bin, dsn, j.stdin, j.args...)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// serverEnv is our environment without KALENDS_* settings, so that the
// flags we pass are the whole configuration of the server.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KALENDS_") {
			env = append(env, kv)
		}
	}
	return env
}

// freeAddr returns an address on 127.0.0.1 that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startServer starts `kalends serve` on dsn and waits until /healthz
// answers, at most a minute (PostgreSQL migrations run at start-up). Its
// output goes to logPath.
func startServer(ctx context.Context, bin, dsn, logPath string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child keeps its own descriptor
	// Not CommandContext: the server must outlive an interrupted context
	// until stop reads its memory and ends it by PID.
	cmd := exec.Command(bin, "serve", "--listen", addr, "--database", dsn, "--log-level", "warn")
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = serverProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, addr: addr, logPath: logPath, done: make(chan struct{})}
	go func() { s.exitErr = cmd.Wait(); close(s.done) }()
	if err := s.waitHealthy(ctx, time.Minute); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w; server log:\n%s", err, s.logTail(20))
	}
	return s, nil
}

// waitHealthy polls /healthz until it answers 200, the server exits or
// the timeout passes.
func (s *server) waitHealthy(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("kalends serve exited: %v", s.exitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("kalends serve not healthy after %v", timeout)
}

// stop ends the server by its PID: SIGTERM for a graceful shutdown, SIGKILL
// after 15 s. It reports whether the process is gone. Calling it again is
// harmless.
func (s *server) stop() bool {
	select {
	case <-s.done:
		return true
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return true
	case <-time.After(15 * time.Second):
	}
	s.cmd.Process.Kill()
	select {
	case <-s.done:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// logTail returns the last n lines of the server's log.
func (s *server) logTail(n int) string {
	data, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// memory returns the server's resident set size and its peak (VmRSS and
// VmHWM of /proc/PID/status) in bytes, or an error where /proc is missing.
func (s *server) memory() (rss, peak int64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(s.pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(val) // "123456 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc/PID/status")
	}
	return rss, peak, sc.Err()
}
