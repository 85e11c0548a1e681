package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/postgres"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/config"
)

// openStore opens (and migrates) the store the configuration names, the
// SQLite file of the data directory when it names none. This is the only
// place that knows the concrete stores.
func openStore(ctx context.Context, e *env, cfg *config.Config) (backend.Store, error) {
	notice, err := cfg.ResolveDatabase(e.getenv)
	if err != nil {
		return nil, err
	}
	if notice != "" {
		fmt.Fprintln(e.stderr, "kalends:", notice)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if cfg.IsPostgres() {
		return postgres.Open(ctx, cfg.Database)
	}
	return sqlite.Open(ctx, cfg.SQLitePath())
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := newFlagSet(e, "migrate", "migrate [--database URL] [--data-dir DIR]")
	cfg.RegisterDatabase(fs, e.getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "unexpected arguments")
	}
	s, err := openStore(ctx, e, &cfg)
	if err != nil {
		return err
	}
	return s.Close()
}

// dbFlags are the --database and --data-dir flags of the administration
// commands.
type dbFlags struct{ database, dataDir string }

// databaseFlag registers --database and --data-dir; withDatabase falls
// back to their environment variables and the defaults.
func databaseFlag(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{}
	fs.StringVar(&f.database, "database", "", "postgres://… URL or SQLite path ($KALENDS_DATABASE_URL; default kalends.db in the data directory)")
	fs.StringVar(&f.dataDir, "data-dir", "", "directory of the SQLite database and of what the server remembers "+
		"($KALENDS_DATA_DIR, else $XDG_STATE_HOME/kalends or ~/.local/state/kalends)")
	return f
}

// config is the configuration the flags name, the environment filling in
// what they leave out, as serve reads it.
func (f *dbFlags) config(e *env) config.Config {
	cfg := config.Defaults()
	cfg.Database, cfg.DataDir = e.getenv("KALENDS_DATABASE_URL"), e.getenv("KALENDS_DATA_DIR")
	if f.database != "" {
		cfg.Database = f.database
	}
	if f.dataDir != "" {
		cfg.DataDir = f.dataDir
	}
	return cfg
}

// withDatabase opens the database the flags name and runs fn on it.
func withDatabase(ctx context.Context, e *env, f *dbFlags, fn func(s backend.Store) error) error {
	cfg := f.config(e)
	s, err := openStore(ctx, e, &cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}
