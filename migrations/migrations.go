// Package migrations holds Kalends' database schema as SQL files, one
// folder per dialect, embedded in the binary, and applies them with goose.
//
// Downgrades are not supported: a database migrated by a newer Kalends is
// refused rather than used with a schema this binary does not know.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed postgres/*.sql
var postgresFS embed.FS

//go:embed sqlite/*.sql
var sqliteFS embed.FS

// Dialect names a SQL dialect with its own migration folder.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// ErrSchemaTooNew is returned when the database holds migrations this binary
// does not have.
var ErrSchemaTooNew = errors.New("migrations: database schema is newer than this binary")

// FS returns the migration files of a dialect.
func FS(d Dialect) (fs.FS, error) {
	switch d {
	case Postgres:
		return fs.Sub(postgresFS, "postgres")
	case SQLite:
		return fs.Sub(sqliteFS, "sqlite")
	}
	return nil, fmt.Errorf("migrations: unknown dialect %q", d)
}

func provider(db *sql.DB, d Dialect) (*goose.Provider, error) {
	fsys, err := FS(d)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	// SQLite has no session lock: backend/sqlite serializes its openers with
	// a file lock around Up.
	dialect := goose.DialectSQLite3
	if d == Postgres {
		dialect = goose.DialectPostgres
		// Several `kalends serve` processes may start at once on one
		// database: a session advisory lock makes them migrate one at a time.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db, fsys, opts...)
}

// Up applies every pending migration and returns the schema version. It
// returns ErrSchemaTooNew, changing nothing, when the database is ahead of
// the binary.
func Up(ctx context.Context, db *sql.DB, d Dialect) (int64, error) {
	p, err := provider(db, d)
	if err != nil {
		return 0, err
	}
	latest := Latest(p)
	// A fresh database has no version table yet: GetDBVersion fails, and
	// there is nothing to compare.
	if current, err := p.GetDBVersion(ctx); err == nil && current > latest {
		return current, fmt.Errorf("%w (database at version %d, this binary knows up to %d): upgrade kalends",
			ErrSchemaTooNew, current, latest)
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// Latest returns the newest migration version the provider knows.
func Latest(p *goose.Provider) int64 {
	var v int64
	for _, s := range p.ListSources() {
		v = max(v, s.Version)
	}
	return v
}
