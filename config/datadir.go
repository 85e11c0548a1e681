package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// DatabaseFile is the SQLite file's name in the data directory.
const DatabaseFile = "kalends.db"

// RegisterDataDir adds --data-dir, its default $KALENDS_DATA_DIR; empty
// means DefaultDataDir.
func (c *Config) RegisterDataDir(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.DataDir, "data-dir", getenv("KALENDS_DATA_DIR"),
		"directory of the SQLite database and of what the server remembers ($KALENDS_DATA_DIR, else $XDG_STATE_HOME/kalends or ~/.local/state/kalends)")
}

// DefaultDataDir is the per-user state directory (XDG Base Directory
// specification): $XDG_STATE_HOME/kalends, else ~/.local/state/kalends.
// Every command finds it the same way, wherever it runs.
func DefaultDataDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "kalends"), nil
	}
	if h := getenv("HOME"); filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "kalends"), nil
	}
	return "", errors.New("config: no data directory: set --data-dir or $KALENDS_DATA_DIR")
}

// ResolveDataDir fills DataDir with the default when no flag or variable
// set it, and creates the directory (readable by its owner only: it holds
// password hashes).
func (c *Config) ResolveDataDir(getenv func(string) string) error {
	if c.DataDir == "" {
		d, err := DefaultDataDir(getenv)
		if err != nil {
			return err
		}
		c.DataDir = d
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("config: data directory: %w", err)
	}
	return nil
}

// ResolveDatabase fills Database when no flag or variable set it: the
// SQLite file of the data directory; but when no data directory was asked
// for either and the working directory holds a kalends.db (where Kalends
// kept it before it had a data directory), that file, and notice says so.
func (c *Config) ResolveDatabase(getenv func(string) string) (notice string, err error) {
	if c.Database != "" {
		return "", nil
	}
	if c.DataDir == "" {
		if st, err := os.Stat(DatabaseFile); err == nil && st.Mode().IsRegular() {
			c.Database = DatabaseFile
			return fmt.Sprintf("using ./%s of the working directory; to find it from anywhere, move it into the data directory "+
				"(--data-dir, $KALENDS_DATA_DIR, else ~/.local/state/kalends) or name it with --database", DatabaseFile), nil
		}
	}
	if err := c.ResolveDataDir(getenv); err != nil {
		return "", err
	}
	c.Database = filepath.Join(c.DataDir, DatabaseFile)
	return "", nil
}
