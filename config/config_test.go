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
	if c.Listen != "127.0.0.1:8008" || c.Database != "" || c.DataDir != "" || c.IsPostgres() || c.MaxAttendees != 1000 {
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

// TestDataDir: the per-user state directory of the XDG specification,
// $KALENDS_DATA_DIR and --data-dir in that order of strength, and the
// database inside it.
func TestDataDir(t *testing.T) {
	home, state := t.TempDir(), t.TempDir()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"HOME": home}, nil, filepath.Join(home, ".local", "state", "kalends")},
		{map[string]string{"HOME": home, "XDG_STATE_HOME": state}, nil, filepath.Join(state, "kalends")},
		{map[string]string{"HOME": home, "XDG_STATE_HOME": "relative"}, nil, filepath.Join(home, ".local", "state", "kalends")},
		{map[string]string{"HOME": home, "KALENDS_DATA_DIR": filepath.Join(state, "env")}, nil, filepath.Join(state, "env")},
		{map[string]string{"KALENDS_DATA_DIR": filepath.Join(state, "env")}, []string{"-data-dir", filepath.Join(state, "flag")}, filepath.Join(state, "flag")},
	} {
		getenv := func(k string) string { return tc.env[k] }
		var c Config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		c.Register(fs, getenv)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		notice, err := c.ResolveDatabase(getenv)
		if err != nil || notice != "" {
			t.Fatalf("%v %v: %q, %v", tc.env, tc.args, notice, err)
		}
		if c.DataDir != tc.want || c.Database != filepath.Join(tc.want, DatabaseFile) {
			t.Errorf("%v %v: data dir %q, database %q; want %q", tc.env, tc.args, c.DataDir, c.Database, tc.want)
		}
		if st, err := os.Stat(tc.want); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s not created private: %v %v", tc.want, st, err)
		}
	}
	var c Config
	if _, err := c.ResolveDatabase(func(string) string { return "" }); err == nil {
		t.Fatal("no HOME and no data directory: want an error")
	}
}

// TestLimits: the server's timeouts and bounds come from flags and the
// environment, with defaults when neither is given, and must be positive.
func TestLimits(t *testing.T) {
	env := map[string]string{"KALENDS_READ_TIMEOUT": "3s", "KALENDS_MAX_REPORT_INSTANCES": "500"}
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"-max-connections", "7"}); err != nil {
		t.Fatal(err)
	}
	d := DefaultLimits()
	want := Limits{ReadTimeout: 3 * time.Second, WriteTimeout: d.WriteTimeout, IdleTimeout: d.IdleTimeout, MaxConnections: 7, MaxReportInstances: 500}
	if c.Limits != want {
		t.Fatalf("limits %+v, want %+v", c.Limits, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Limits.TrustedProxies = "10.0.0.0/8, 192.0.2.1,::ffff:198.51.100.1"
	if p, err := c.Limits.Proxies(); err != nil || len(p) != 3 || p[1].String() != "192.0.2.1/32" || p[2].String() != "198.51.100.1/32" {
		t.Fatalf("proxies %v, %v", p, err)
	}
	c.Limits.TrustedProxies = "proxy.example.com"
	if err := c.Validate(); err == nil {
		t.Fatal("Validate accepted a host name as a trusted proxy")
	}
	c.Limits.TrustedProxies = ""
	c.Limits.MaxConnections = 0
	if err := c.Validate(); err == nil {
		t.Fatal("Validate accepted max connections 0")
	}
}
