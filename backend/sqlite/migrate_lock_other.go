//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sqlite

import "os"

// tryLockFile cannot lock on this system: processes starting together on a
// new database are not serialized here, one started alone always works.
func tryLockFile(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) {}
