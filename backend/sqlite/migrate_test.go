package sqlite_test

import (
	"context"
	"sync"
	"testing"

	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/internal/testenv"
)

// TestConcurrentOpenMigratesOnce opens one new file from several openers at
// once, as several `kalends serve` processes started together do: each
// must find the schema complete, none may fail with "table … already
// exists" from a migration another opener applied meanwhile.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	const openers = 8
	for round := 0; round < 5; round++ {
		path := testenv.SQLitePath(t)
		var wg sync.WaitGroup
		errs := make([]error, openers)
		start := make(chan struct{})
		for i := range openers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				s, err := sqlite.Open(context.Background(), path)
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}
