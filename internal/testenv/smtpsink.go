package testenv

import (
	"bufio"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

//go:embed smtpsink.py
var smtpSinkScript []byte

// SMTPSink is a real SMTP server (python3-aiosmtpd) on 127.0.0.1 that
// keeps the mail it accepts, for tests of the iMIP sender.
type SMTPSink struct {
	Addr string // host:port
	dir  string
}

// SinkOptions says which recipients the sink refuses.
type SinkOptions struct {
	Reject   []string       // answered 550 at RCPT
	TempFail map[string]int // answered 451 at RCPT that many times, then accepted
}

// SinkMessage is one mail the sink accepted.
type SinkMessage struct {
	From string
	To   []string
	Helo string // the EHLO name the client gave
	Data []byte
}

// StartSMTPSink starts a sink, stopped when t ends. It skips (or fails,
// with KALENDS_REQUIRE_CLIENTS=1) when aiosmtpd is not installed.
func StartSMTPSink(t testing.TB, opts SinkOptions) *SMTPSink {
	t.Helper()
	py := Python(t, "aiosmtpd")
	dir := t.TempDir()
	script := filepath.Join(dir, "smtpsink.py")
	cfg := filepath.Join(dir, "config.json")
	mail := filepath.Join(dir, "mail")
	if err := os.Mkdir(mail, 0o755); err != nil {
		t.Fatal(err)
	}
	conf, _ := json.Marshal(map[string]any{"reject": opts.Reject, "tempfail": opts.TempFail})
	if err := os.WriteFile(script, smtpSinkScript, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	cmd := exec.Command(py, script, strconv.Itoa(port), mail, cfg)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: starting the SMTP sink: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line) == "READY"
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("testenv: the SMTP sink did not start")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("testenv: the SMTP sink did not start within 30 s")
	}
	return &SMTPSink{Addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir}
}

// Messages returns the mail accepted so far, in order of arrival.
func (s *SMTPSink) Messages(t testing.TB) []SinkMessage {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(s.dir, "mail", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	var out []SinkMessage
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			MailFrom string   `json:"mail_from"`
			RcptTos  []string `json:"rcpt_tos"`
			Helo     string   `json:"helo"`
			Data     string   `json:"data"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("testenv: %s: %v", n, err)
		}
		data, err := base64.StdEncoding.DecodeString(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, SinkMessage{From: m.MailFrom, To: m.RcptTos, Helo: m.Helo, Data: data})
	}
	return out
}

// WaitMessages waits until the sink has accepted at least n mails and
// returns them all; the test fails when they do not come within timeout.
func (s *SMTPSink) WaitMessages(t testing.TB, n int, timeout time.Duration) []SinkMessage {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages(t)
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: the SMTP sink has %d mails after %v, want %d", len(msgs), timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// RcptLog lists the sink's answers to RCPT, "250 addr", "451 addr" or
// "550 addr", in order.
func (s *SMTPSink) RcptLog(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "mail", "rcpt.log"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}
