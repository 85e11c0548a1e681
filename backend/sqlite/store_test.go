package sqlite_test

import (
	"context"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/backend/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) backend.Store {
		s, err := sqlite.Open(context.Background(), t.TempDir()+"/kalends.db")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
