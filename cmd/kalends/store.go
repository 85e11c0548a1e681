package main

import (
	"context"
	"flag"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/postgres"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/config"
)

// openStore opens (and migrates) the store the configuration names. This is
// the only place that knows the concrete stores.
func openStore(ctx context.Context, cfg *config.Config) (backend.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if cfg.IsPostgres() {
		return postgres.Open(ctx, cfg.Database)
	}
	return sqlite.Open(ctx, cfg.SQLitePath())
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := newFlagSet(e, "migrate", "migrate [-database URL]")
	cfg.RegisterDatabase(fs, e.getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "unexpected arguments")
	}
	s, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	return s.Close()
}

// databaseFlag registers the --database flag of the administration
// commands; withDatabase falls back to $KALENDS_DATABASE_URL and the default.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database", "", "postgres://… URL or SQLite path ($KALENDS_DATABASE_URL)")
}

// withDatabase opens the database named by the flag value (or
// $KALENDS_DATABASE_URL, or the default) and runs fn on it.
func withDatabase(ctx context.Context, e *env, database string, fn func(s backend.Store) error) error {
	cfg := config.Defaults()
	if v := e.getenv("KALENDS_DATABASE_URL"); v != "" {
		cfg.Database = v
	}
	if database != "" {
		cfg.Database = database
	}
	s, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}
