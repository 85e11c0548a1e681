package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// storeResult is what one store measured.
type storeResult struct {
	Store     string `json:"store"`
	ServerPID int    `json:"server_pid"`
	Stopped   bool   `json:"server_stopped"`
	PeakRSS   int64  `json:"server_peak_rss_bytes"` // over the whole run
	// PeakPerPhase says each phase's peak is its own, its setup's apart
	// (Linux); otherwise peaks count from the server's start.
	PeakPerPhase bool          `json:"peak_per_phase"`
	LoadAvg      [2]string     `json:"loadavg"` // /proc/loadavg before and after: other work skews the figures
	Phases       []phaseResult `json:"phases"`
	Scale        *scaleResult  `json:"scale,omitempty"` // calendar-query on the full vs the quarter-size calendar
}

// benchStore gives store a fresh database, starts a server on it, runs
// every phase and stops the server. The result is returned even when a
// phase was interrupted, with what was measured until then.
func benchStore(ctx context.Context, cfg *config, store, bin, tmp string, stderr io.Writer) (*storeResult, error) {
	dsn := filepath.Join(tmp, "kalends-"+store+".db")
	if store == "postgres" {
		var drop func()
		var err error
		if dsn, drop, err = createDatabase(ctx, cfg.PostgresURL); err != nil {
			return nil, err
		}
		defer drop() // runs after the server has stopped (defers run last-in first-out)
	}
	if err := addUser(ctx, bin, dsn); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "%s: creating %d users and %d rooms …\n", store, poolUsers, benchRooms)
	if err := addPrincipals(ctx, bin, dsn); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "%s: starting the server …\n", store)
	srv, err := startServer(ctx, bin, dsn, filepath.Join(tmp, "server-"+store+".log"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	res := &storeResult{Store: store, ServerPID: srv.pid}
	res.LoadAvg[0] = loadAvg()
	b := newBench(cfg, store, srv, stderr)
	res.Phases, err = b.runAll(ctx)
	applyTargets(store, res.Phases)
	full, small := b.stored()
	res.Scale = compareScale(res.Phases, cfg.Objects, cfg.Objects/4, full, small)
	res.LoadAvg[1] = loadAvg()
	res.PeakRSS, res.PeakPerPhase = b.maxPeak(), b.peakResets
	res.Stopped = srv.stop()
	if !res.Stopped {
		return res, fmt.Errorf("server pid %d did not stop", srv.pid)
	}
	return res, err
}

// createDatabase creates kalends_bench_<random> on the server of the
// maintenance URL and returns its URL and a function dropping it.
func createDatabase(ctx context.Context, maint string) (string, func(), error) {
	name := "kalends_bench_" + randomHex(6)
	ident := pgx.Identifier{name}.Sanitize()
	if err := execMaintenance(ctx, maint, "CREATE DATABASE "+ident); err != nil {
		return "", nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	drop := func() {
		// A fresh context: after an interrupt the database must go all the same.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		execMaintenance(ctx, maint, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
	}
	dsn, err := withDatabase(maint, name)
	if err != nil {
		drop()
		return "", nil, err
	}
	return dsn, drop, nil
}

// execMaintenance runs one statement on its own connection: CREATE and DROP
// DATABASE cannot run in a transaction or on the database they name.
func execMaintenance(ctx context.Context, maint, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, maint)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns the connection string maint pointing at database
// name, for URLs and keyword=value strings alike.
func withDatabase(maint, name string) (string, error) {
	if strings.HasPrefix(maint, "postgres://") || strings.HasPrefix(maint, "postgresql://") {
		u, err := url.Parse(maint)
		if err != nil {
			return "", fmt.Errorf("parsing --postgres: %w", err)
		}
		u.Path, u.RawPath = "/"+name, ""
		q := u.Query()
		q.Del("dbname")
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	// In keyword=value form the last setting of a keyword wins; the server
	// tells PostgreSQL from SQLite by the postgres:// prefix, though.
	return "", fmt.Errorf("--postgres must be a postgres:// URL (the server recognises PostgreSQL by it)")
}

// loadAvg returns the 1, 5 and 15 minute load averages of the machine, or
// "" where /proc is missing. The server, the database and this client share
// the machine: a load above its cores means the figures are low.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

// randomHex returns 2n random hexadecimal digits.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
