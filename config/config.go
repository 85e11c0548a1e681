// Package config turns flags and KALENDS_* environment variables into one
// Config. Every setting has a default that works with no configuration at
// all: an embedded SQLite file in the per-user data directory, served on
// 127.0.0.1:8008.
package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is the configuration of a Kalends server.
type Config struct {
	Listen          string // address to serve HTTP on
	Database        string // postgres://… for PostgreSQL; a path or sqlite://path for SQLite; "" = kalends.db in DataDir
	DataDir         string // where the SQLite file and what the server remembers live; "" = DefaultDataDir
	BaseURL         string // public URL prefix, when behind a proxy; "" = derived from requests
	LogFormat       string // "text" or "json"
	LogLevel        string // debug, info, warn, error
	MaxResourceSize int64  // largest calendar object accepted, bytes
	// MaxAttendees is the most ATTENDEE properties one instance of a
	// calendar object may have (CALDAV:max-attendees-per-instance, RFC
	// 4791 §5.2.9): each attendee costs a delivery, so it bounds the
	// work and the mail one write may cause.
	MaxAttendees    int
	ShutdownTimeout time.Duration // how long in-flight requests may finish on SIGINT/SIGTERM
	SMTP            SMTP          // the relay for iMIP mail; none by default
	Limits          Limits        // timeouts and bounds against slow or greedy clients
}

// Defaults returns the zero-configuration settings.
func Defaults() Config {
	return Config{
		Listen:          "127.0.0.1:8008",
		LogFormat:       "text",
		LogLevel:        "info",
		MaxResourceSize: 1 << 20,
		MaxAttendees:    1000,
		ShutdownTimeout: 30 * time.Second,
		Limits:          DefaultLimits(),
	}
}

// Register adds the flags of the settings to fs, their defaults taken from
// the environment (looked up with getenv) or Defaults.
func (c *Config) Register(fs *flag.FlagSet, getenv func(string) string) {
	d := Defaults()
	str := func(p *string, name, env, def, usage string) {
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" ($"+env+")")
	}
	str(&c.Listen, "listen", "KALENDS_LISTEN", d.Listen, "address to listen on")
	str(&c.Database, "database", "KALENDS_DATABASE_URL", d.Database, "postgres://… URL, or SQLite file path (sqlite://path or path); default kalends.db in the data directory")
	c.RegisterDataDir(fs, getenv)
	str(&c.BaseURL, "base-url", "KALENDS_BASE_URL", d.BaseURL, "public base URL when behind a reverse proxy")
	str(&c.LogFormat, "log-format", "KALENDS_LOG_FORMAT", d.LogFormat, "log format: text or json")
	str(&c.LogLevel, "log-level", "KALENDS_LOG_LEVEL", d.LogLevel, "log level: debug, info, warn or error")
	size := d.MaxResourceSize
	if v, err := strconv.ParseInt(getenv("KALENDS_MAX_RESOURCE_SIZE"), 10, 64); err == nil && v > 0 {
		size = v
	}
	fs.Int64Var(&c.MaxResourceSize, "max-resource-size", size, "largest calendar object accepted, in bytes ($KALENDS_MAX_RESOURCE_SIZE)")
	attendees := d.MaxAttendees
	if v, err := strconv.Atoi(getenv("KALENDS_MAX_ATTENDEES_PER_INSTANCE")); err == nil && v > 0 {
		attendees = v
	}
	fs.IntVar(&c.MaxAttendees, "max-attendees-per-instance", attendees,
		"most attendees of one event or occurrence ($KALENDS_MAX_ATTENDEES_PER_INSTANCE)")
	c.ShutdownTimeout = d.ShutdownTimeout
	c.registerSMTP(fs, getenv)
	c.registerLimits(fs, getenv)
}

// RegisterDatabase adds only the -database flag, for subcommands that need
// nothing else.
func (c *Config) RegisterDatabase(fs *flag.FlagSet, getenv func(string) string) {
	def := Defaults().Database
	if v := getenv("KALENDS_DATABASE_URL"); v != "" {
		def = v
	}
	fs.StringVar(&c.Database, "database", def, "postgres://… URL, or SQLite file path (sqlite://path or path); default kalends.db in the data directory ($KALENDS_DATABASE_URL)")
	c.RegisterDataDir(fs, getenv)
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("config: log format %q is not text or json", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log level %q is not debug, info, warn or error", c.LogLevel)
	}
	if c.MaxResourceSize <= 0 {
		return fmt.Errorf("config: max resource size must be positive")
	}
	if c.MaxAttendees <= 0 {
		return fmt.Errorf("config: max attendees per instance must be positive")
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("config: base URL %q must start with http:// or https://", c.BaseURL)
	}
	if err := c.Limits.validate(); err != nil {
		return err
	}
	return c.SMTP.validate()
}

// IsPostgres reports whether the database setting selects PostgreSQL.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

// SQLitePath returns the SQLite file path of the database setting.
func (c *Config) SQLitePath() string {
	return strings.TrimPrefix(c.Database, "sqlite://")
}
