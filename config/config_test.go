package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEnvironmentAndFlags(t *testing.T) {
	env := map[string]string{"KALENDS_LISTEN": "127.0.0.1:9000", "KALENDS_DATABASE_URL": "postgres://db/x",
		"KALENDS_MAX_ATTENDEES_PER_INSTANCE": "250"}
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"-log-format", "json"}); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" || c.Database != "postgres://db/x" || c.LogFormat != "json" || !c.IsPostgres() ||
		c.MaxAttendees != 250 {
		t.Fatalf("config = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// A flag wins over the environment.
	fs = flag.NewFlagSet("serve", flag.ContinueOnError)
	c.Register(fs, func(k string) string { return env[k] })
	fs.Parse([]string{"-database", "sqlite:///tmp/k.db", "-max-attendees-per-instance", "40"})
	if c.IsPostgres() || c.SQLitePath() != "/tmp/k.db" || c.MaxAttendees != 40 {
		t.Fatalf("flag did not override: %+v", c)
	}
}

func TestDefaultsWork(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.Register(fs, func(string) string { return "" })
	fs.Parse(nil)
	if c.Listen != "127.0.0.1:8008" || c.SQLitePath() != "kalends.db" || c.IsPostgres() || c.MaxAttendees != 1000 {
		t.Fatalf("defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRejects(t *testing.T) {
	for _, c := range []Config{
		{LogFormat: "xml", LogLevel: "info", Database: "x", MaxResourceSize: 1},
		{LogFormat: "text", LogLevel: "loud", Database: "x", MaxResourceSize: 1},
		{LogFormat: "text", LogLevel: "info", Database: "", MaxResourceSize: 1},
		{LogFormat: "text", LogLevel: "info", Database: "x", MaxResourceSize: 1, MaxAttendees: 1, BaseURL: "ftp://x"},
		{LogFormat: "text", LogLevel: "info", Database: "x", MaxResourceSize: 1, MaxAttendees: 0},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
}

// TestSMTP: SMTP settings from flags and environment, the password from
// the environment or a file only, security defaulting by host.
func TestSMTP(t *testing.T) {
	env := map[string]string{"KALENDS_SMTP_ADDR": "mail.example.com:587", "KALENDS_SMTP_FROM": "Kalends <cal@example.com>",
		"KALENDS_SMTP_USERNAME": "kal", "KALENDS_SMTP_PASSWORD": "s3cret"}
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"-smtp-helo", "cal.example.com"}); err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Addr != "mail.example.com:587" || c.SMTP.Password != "s3cret" || c.SMTP.HeloName != "cal.example.com" ||
		c.SMTP.SecurityMode() != "starttls" {
		t.Fatalf("SMTP = %+v", c.SMTP)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if fs.Lookup("smtp-password") != nil {
		t.Fatal("a password flag would show the password in ps")
	}
	file := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(file, []byte("from-file\n"), 0o600)
	s := SMTP{Addr: "127.0.0.1:25", From: "cal@example.com", Username: "kal", PasswordFile: file, Poll: time.Second}
	if err := s.LoadPassword(); err != nil || s.Password != "from-file" || s.SecurityMode() != "none" {
		t.Fatalf("password file: %q, %v, %s", s.Password, err, s.SecurityMode())
	}
	if err := s.validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []SMTP{
		{Addr: "mail.example.com:25", From: "cal@example.com"},
		{Addr: "mail.example.com", From: "cal@example.com", Poll: time.Second},
		{Addr: "mail.example.com:25", From: "", Poll: time.Second},
		{Addr: "mail.example.com:25", From: "not an address", Poll: time.Second},
		{Addr: "mail.example.com:25", From: "cal@example.com", Security: "ssl", Poll: time.Second},
		{Addr: "mail.example.com:25", From: "cal@example.com", Security: "none", Username: "kal", Poll: time.Second},
	} {
		if err := bad.validate(); err == nil {
			t.Errorf("validate(%+v) = nil", bad)
		}
	}
	if err := (&SMTP{PasswordFile: filepath.Join(t.TempDir(), "missing")}).LoadPassword(); err == nil {
		t.Error("a missing password file was accepted")
	}
}
