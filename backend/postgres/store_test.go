package postgres_test

import (
	"context"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/postgres"
	"github.com/kalends/kalends/backend/storetest"
	"github.com/kalends/kalends/internal/testenv"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) backend.Store {
		s, err := postgres.Open(context.Background(), testenv.PostgresDB(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestFiles(t *testing.T) {
	storetest.RunFiles(t, func(t *testing.T) backend.Store {
		s, err := postgres.Open(context.Background(), testenv.PostgresDB(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMailQueue(t *testing.T) {
	storetest.RunMailQueue(t, func(t *testing.T) backend.Store {
		s, err := postgres.Open(context.Background(), testenv.PostgresDB(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
