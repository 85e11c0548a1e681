package testenv

import (
	"context"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/postgres"
	"github.com/kalends/kalends/backend/sqlite"
)

// Opener opens a handle on one test database: a fresh one the first time,
// the same one again later (as a second server process would).
type Opener func(t *testing.T) backend.Store

// EachStore runs fn on SQLite and on PostgreSQL, as subtests named after
// the store, each with a database of its own. Handles are closed when the
// test that opened them ends.
func EachStore(t *testing.T, fn func(t *testing.T, open Opener)) {
	t.Run("sqlite", func(t *testing.T) {
		path := SQLitePath(t)
		fn(t, func(t *testing.T) backend.Store {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := PostgresDB(t)
		fn(t, func(t *testing.T) backend.Store {
			s, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
}
