package sqlite

import (
	"context"
	"fmt"
	"os"
	"time"
)

// migrationLock serializes the migrations of every process opening the
// database at path: two `kalends serve` started together on a new file
// would otherwise both read "version 0" and both create the tables, and
// the second would fail with "table … already exists". SQLite's own locks
// cannot do it: in WAL mode the write lock lasts one transaction, and goose
// applies each migration in a transaction of its own.
//
// The lock is an advisory lock on a file beside the database (PATH-lock),
// which the kernel releases if the process dies, so a crash mid-migration
// leaves nothing to clean up. The file stays: removing it would let a
// process that opened it before the removal and one that creates it anew
// hold "the" lock at once. The returned function releases the lock.
func migrationLock(ctx context.Context, path string) (func(), error) {
	if path == "" || path == ":memory:" {
		return func() {}, nil // private to this process: nobody to race with
	}
	f, err := os.OpenFile(path+"-lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migration lock: %w", err)
	}
	// Poll rather than block, so that the caller's deadline is honoured.
	for {
		ok, err := tryLockFile(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("sqlite: migration lock %s: %w", f.Name(), err)
		}
		if ok {
			return func() { unlockFile(f); f.Close() }, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("sqlite: waiting for another process migrating %s: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
