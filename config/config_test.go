package config

import (
	"flag"
	"testing"
)

func TestEnvironmentAndFlags(t *testing.T) {
	env := map[string]string{"KALENDS_LISTEN": "127.0.0.1:9000", "KALENDS_DATABASE_URL": "postgres://db/x"}
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"-log-format", "json"}); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" || c.Database != "postgres://db/x" || c.LogFormat != "json" || !c.IsPostgres() {
		t.Fatalf("config = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// A flag wins over the environment.
	fs = flag.NewFlagSet("serve", flag.ContinueOnError)
	c.Register(fs, func(k string) string { return env[k] })
	fs.Parse([]string{"-database", "sqlite:///tmp/k.db"})
	if c.IsPostgres() || c.SQLitePath() != "/tmp/k.db" {
		t.Fatalf("flag did not override: %+v", c)
	}
}

func TestDefaultsWork(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.Register(fs, func(string) string { return "" })
	fs.Parse(nil)
	if c.Listen != "127.0.0.1:8008" || c.SQLitePath() != "kalends.db" || c.IsPostgres() {
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
		{LogFormat: "text", LogLevel: "info", Database: "x", MaxResourceSize: 1, BaseURL: "ftp://x"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
}
