// Package postgres is the production Kalends store on PostgreSQL through
// pgx v5 (pgxpool). Every write method is one transaction; writers of one
// collection are serialized by its home's revision row and the
// collection's revision row (homes.go), and every precondition is checked
// against a state no one else can change before commit.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/migrations"
)

// Store is a backend.Store on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
}

var _ backend.Store = (*Store)(nil)

// MaxConns bounds the pool. PostgreSQL does best with a few connections per
// core; more only adds lock contention, and several server processes may
// share one database.
const MaxConns = 16

// Open connects to the database at url (postgres://…) and migrates it.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = MaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	db := stdlib.OpenDBFromPool(pool)
	_, err = migrations.Up(ctx, db, migrations.Postgres)
	db.Close()
	if err != nil {
		pool.Close()
		if errors.Is(err, migrations.ErrSchemaTooNew) {
			return nil, fmt.Errorf("postgres: %w: %v", backend.ErrSchemaTooNew, err)
		}
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Close closes the pool, waiting for connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// tx runs fn in one transaction, committing if fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// uniqueViolation returns the constraint name when err is a unique violation.
func uniqueViolation(err error) (string, bool) {
	var e *pgconn.PgError
	if errors.As(err, &e) && e.Code == "23505" {
		return e.ConstraintName, true
	}
	return "", false
}

// notFound maps pgx.ErrNoRows to backend.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return backend.ErrNotFound
	}
	return err
}

// ts converts a time for a nullable timestamptz column: zero is NULL.
func ts(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromTS converts a nullable timestamptz back; NULL is the zero time.
func fromTS(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// execOne runs a statement that must touch exactly one row.
func execOne(ctx context.Context, tx pgx.Tx, query string, args ...any) error {
	tag, err := tx.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %w", backend.ErrNotFound)
	}
	return nil
}
