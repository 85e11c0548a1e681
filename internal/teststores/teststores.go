// Package teststores runs a test on each store: SQLite and PostgreSQL,
// each in a database of its own (internal/testenv finds or starts the
// PostgreSQL). It is apart from testenv, which the stores' own tests use.
package teststores

import (
	"context"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/postgres"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/internal/testenv"
)

// Opener opens a handle on one test database: a fresh one the first time,
// the same one again later (as a second server process would).
type Opener func(t *testing.T) backend.Store

// Each runs fn on SQLite and on PostgreSQL, as subtests named after
// the store, each with a database of its own. Handles are closed when the
// test that opened them ends.
func Each(t *testing.T, fn func(t *testing.T, open Opener)) {
	t.Run("sqlite", func(t *testing.T) {
		path := testenv.SQLitePath(t)
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
		url := testenv.PostgresDB(t)
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
