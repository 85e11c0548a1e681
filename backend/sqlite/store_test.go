package sqlite_test

import (
	"context"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/backend/storetest"
	"github.com/kalends/kalends/internal/testenv"
)

// open is the suites' Opener: a fresh, empty, migrated store.
func open(t *testing.T) backend.Store {
	s, err := sqlite.Open(context.Background(), testenv.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T)     { storetest.Run(t, open) }
func TestFiles(t *testing.T)     { storetest.RunFiles(t, open) }
func TestFeeds(t *testing.T)     { storetest.RunFeeds(t, open) }
func TestMailQueue(t *testing.T) { storetest.RunMailQueue(t, open) }
func TestWrapped(t *testing.T)   { storetest.RunWrapped(t, open) }
