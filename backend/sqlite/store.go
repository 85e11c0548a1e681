// Package sqlite is the embedded Kalends store: one SQLite file, pure Go
// (modernc.org/sqlite, no cgo), in WAL mode with one writer connection and a
// pool of readers. It is the zero-configuration default.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/migrations"
)

// Store is a backend.Store on an SQLite file.
type Store struct {
	write *sql.DB // exactly one connection: SQLite has one writer at a time
	read  *sql.DB
}

var _ backend.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and migrates it.
func Open(ctx context.Context, path string) (*Store, error) {
	// synchronous=FULL: an acknowledged write must survive a power cut, not
	// only a crash. busy_timeout covers other processes holding the lock.
	// _txlock=immediate takes the write lock at BEGIN, so a transaction that
	// read first never fails to upgrade.
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath()
	write, err := sql.Open("sqlite", dsn+"?"+q.Encode()+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn+"?"+q.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// Readers never block one another in WAL mode; a few per core is plenty.
	read.SetMaxOpenConns(2 * runtime.NumCPU())
	s := &Store{write: write, read: read}
	unlock, err := migrationLock(ctx, path)
	if err != nil {
		s.Close()
		return nil, err
	}
	_, err = migrations.Up(ctx, write, migrations.SQLite)
	unlock()
	if err != nil {
		s.Close()
		if errors.Is(err, migrations.ErrSchemaTooNew) {
			return nil, fmt.Errorf("sqlite: %s: %w: %v", path, backend.ErrSchemaTooNew, err)
		}
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.write.Close(), s.read.Close())
}

// tx runs fn in one write transaction, committing if fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		c := e.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// notFound maps sql.ErrNoRows to backend.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return backend.ErrNotFound
	}
	return err
}

// unix converts a time to the stored Unix seconds; the zero time is NULL.
func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// fromUnix converts stored Unix seconds back; NULL is the zero time.
func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

// placeholders returns "?,?,…" for n values.
func placeholders(n int) string {
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}
