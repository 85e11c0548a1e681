package sqlite_test

import (
	"context"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/backend/storetest"
	"github.com/kalends/kalends/internal/testenv"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) backend.Store {
		s, err := sqlite.Open(context.Background(), testenv.SQLitePath(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestFiles(t *testing.T) {
	storetest.RunFiles(t, func(t *testing.T) backend.Store {
		s, err := sqlite.Open(context.Background(), testenv.SQLitePath(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMailQueue(t *testing.T) {
	storetest.RunMailQueue(t, func(t *testing.T) backend.Store {
		s, err := sqlite.Open(context.Background(), testenv.SQLitePath(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
