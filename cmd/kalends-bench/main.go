// Command kalends-bench is Kalends' load benchmark. It builds and starts the
// real server (`kalends serve`) as a subprocess on a free port of 127.0.0.1,
// on a fresh SQLite file and/or a fresh PostgreSQL database, creates a user
// (bench), 30 more users (att01 … att30) and 4 rooms (room01 … room04,
// capacity 20) with `kalends user add` and `kalends room add`, and drives the
// server over keep-alive HTTP connections the way CalDAV clients do:
//
//	go run ./cmd/kalends-bench                          # both stores, 20,000 objects, 8 clients, 10 s phases
//	go run ./cmd/kalends-bench --store sqlite --objects 2000 --duration 3s
//	go run ./cmd/kalends-bench --store postgres --json > bench.json
//
// Flags:
//
//	--store sqlite|postgres|both  stores to measure (default both)
//	--postgres URL                maintenance database; a database kalends_bench_<random> is created
//	                              there and dropped afterwards (default $KALENDS_TEST_DATABASE_URL,
//	                              else postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
//	--objects N                   events in the calendar the read phases use (default 20000); a
//	                              second calendar gets a quarter of them for the scale comparison
//	--concurrency N               clients, each a keep-alive connection (default 8)
//	--duration D                  bound of each timed phase (default 10s)
//	--max-requests N              bound on the requests of each timed phase (default 100000)
//	--fill-timeout D              bound of filling both calendars together (default 10m)
//	--binary PATH                 server binary (default: go build ./cmd/kalends into a temp dir)
//	--json                        print the results as JSON instead of a table
//
// Phases, in the order they run (each with --concurrency clients unless said):
//
//   - PUT fill: new events into one calendar up to --objects; this is the PUT
//     figure. The mix: 70% single events, 20% weekly series (COUNT or UNTIL,
//     some EXDATEs), 10% series with a RECURRENCE-ID override; half in
//     Europe/Berlin with a VTIMEZONE, half in UTC; spread over a year either
//     side of now; 1-2 KB each with DESCRIPTION, LOCATION and ATTENDEEs.
//   - PUT fill of a second calendar of the same user up to --objects/4 with
//     the same generator, hence the same mix, spread over a quarter of the
//     time (the same density) for the scale comparison below.
//   - GET of random objects.
//   - PROPFIND Depth 1 of the calendar for getetag and getcontenttype (one
//     client, at most 10 requests: the answer lists every object).
//   - calendar-query REPORT over a random week for getetag; the same on the
//     second calendar; then for calendar-data with expand. The p50 of the
//     full calendar over that of the quarter-size one is printed below the
//     table as the scale comparison (target: within 1.5×).
//   - calendar-multiget REPORT of 100 random hrefs with calendar-data.
//   - free-busy-query REPORT (Depth 1) on the calendar for the month around
//     now. Its answer is a VFREEBUSY (200 text/calendar); its items are the
//     FREEBUSY lines.
//   - PUT of new events for --duration into the same calendar (after the
//     reads, so that they see exactly --objects), then spread over 8 calendars:
//     one calendar's revision row serializes its writers.
//   - invite: PUT (If-None-Match: *) of a new meeting into a calendar of its
//     own, organized by bench (ACCEPTED) with 10 users of the pool at random
//     (RSVP, NEEDS-ACTION) and one room; the server schedules it implicitly
//     (RFC 6638): copies to the users, the room's answer in the same request.
//     Each invitation has a slot of its own (room k mod 4, starting k/4 hours
//     after the start of the free-busy month) so that the room accepts. One
//     untimed invitation first, read back: unless the organizer's copy shows
//     the room ACCEPTED and a SCHEDULE-STATUS on every attendee, the phase is
//     "unsupported". Items: the recipients (11).
//   - free-busy POST: a VFREEBUSY REQUEST to bench's outbox about 20
//     principals (bench with its calendars, 15 users of the pool, the 4 rooms
//     booked by the invite phase) over the free-busy-query month. Before it,
//     untimed, each of the 15 users stores 300-500 events of the PUT mix in
//     their own calendar as organizer (fewer in proportion below 20,000
//     --objects). Items: the recipients answered 2.0;Success; any 3.7
//     (unknown recipient) or missing answer is an error.
//   - sync-collection after 10 changes: one client makes 10 PUTs (not timed),
//     then times one sync-collection REPORT from its previous token. One
//     client, since concurrent writers would add to each other's changes.
//
// For each phase it prints requests, errors, throughput, p50 and p99
// latency, items per answer, the server's RSS (VmRSS) at the phase's end
// and its peak (VmHWM) during the phase alone: the peak is reset at the
// start of each phase and again after a phase's untimed setup, whose own
// peak is printed in the note (Linux; elsewhere peaks count from the
// server's start), beside the project's targets (the PUT,
// free-busy, invite and free-busy POST targets are PostgreSQL's, so shown
// for it only); a REPORT the server answers 403 or 501 is printed
// "unsupported". Below each table
// follows the scale comparison: both p50s of the one-week query and their
// ratio. A timed phase never runs longer than --duration: requests still
// in flight then are cancelled and not counted; the two fills share the
// bound --fill-timeout instead. The server is stopped by its PID at the
// end, and on SIGINT or SIGTERM (the figures measured so far are printed).
// When --store includes postgres, it points at
// ../shared/bench/pg_put_limit.sh, the raw-SQL ceiling of the same PUT.
//
// The server, the database and the benchmark share the machine; the load
// average before and after each store is printed, as other work running
// meanwhile lowers the figures. The server logs at level warn so that
// request logging takes no part in them; its log is shown when it fails to
// start.
//
// `go test ./cmd/kalends-bench` runs the whole tool on SQLite with tiny
// parameters (about 15 s) so that it keeps working as the server changes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	Stores      []string      `json:"stores"`
	PostgresURL string        `json:"-"`
	Objects     int           `json:"objects"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"duration_ns"`
	MaxRequests int           `json:"max_requests"`
	FillTimeout time.Duration `json:"fill_timeout_ns"`
	Binary      string        `json:"-"`
	JSON        bool          `json:"-"`
}

// defaultPostgresURL is probed when neither --postgres nor
// $KALENDS_TEST_DATABASE_URL is given: the trust-authenticated local
// server that ./scripts/test uses too.
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// main parses flags and runs the benchmark until done or interrupted.
func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		os.Exit(2)
	}
	// Interrupts cancel the context: phases stop and the deferred cleanup
	// stops the server and drops the database.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kalends-bench:", err)
		stop()
		os.Exit(1)
	}
}

// parseFlags turns the command line into a config, reporting problems on
// stderr.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("kalends-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	store := fs.String("store", "both", "sqlite, postgres or both")
	pgDefault := os.Getenv("KALENDS_TEST_DATABASE_URL")
	if pgDefault == "" {
		pgDefault = defaultPostgresURL
	}
	cfg := &config{}
	fs.StringVar(&cfg.PostgresURL, "postgres", pgDefault, "PostgreSQL maintenance database URL ($KALENDS_TEST_DATABASE_URL)")
	fs.IntVar(&cfg.Objects, "objects", 20000, "events in the benchmark calendar")
	fs.IntVar(&cfg.Concurrency, "concurrency", 8, "concurrent clients")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "bound of each timed phase")
	fs.IntVar(&cfg.MaxRequests, "max-requests", 100000, "bound on the requests of each timed phase")
	fs.DurationVar(&cfg.FillTimeout, "fill-timeout", 10*time.Minute, "bound of filling the calendar")
	fs.StringVar(&cfg.Binary, "binary", "", "kalends server binary (default: build ./cmd/kalends)")
	fs.BoolVar(&cfg.JSON, "json", false, "print JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fail := func(msg string) (*config, error) {
		fmt.Fprintln(stderr, "kalends-bench:", msg)
		fs.Usage()
		return nil, errors.New(msg)
	}
	switch *store {
	case "sqlite", "postgres":
		cfg.Stores = []string{*store}
	case "both":
		cfg.Stores = []string{"sqlite", "postgres"}
	default:
		return fail("--store must be sqlite, postgres or both")
	}
	if fs.NArg() > 0 {
		return fail("unexpected arguments")
	}
	if cfg.Objects < 10 || cfg.Concurrency < 1 || cfg.Duration <= 0 || cfg.MaxRequests < 1 || cfg.FillTimeout <= 0 {
		return fail("--objects must be at least 10, and --concurrency, --duration, --max-requests and --fill-timeout positive")
	}
	return cfg, nil
}

// run measures every store of cfg and prints the report on stdout; progress
// goes to stderr. It returns an error only when a store could not be
// measured at all (build, database or server start failed).
func run(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	rep, err := measure(ctx, cfg, stderr)
	if rep != nil {
		if cfg.JSON {
			if werr := writeJSON(stdout, rep); werr != nil && err == nil {
				err = werr
			}
		} else {
			writeTable(stdout, rep)
		}
	}
	return err
}

// measure builds the server when needed and benchmarks each store in turn.
func measure(ctx context.Context, cfg *config, stderr io.Writer) (*report, error) {
	tmp, err := os.MkdirTemp("", "kalends-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := cfg.Binary
	if bin == "" {
		fmt.Fprintln(stderr, "building the server …")
		if bin, err = buildServer(ctx, tmp); err != nil {
			return nil, err
		}
	}
	rep := &report{Config: *cfg, Started: time.Now().UTC()}
	for _, store := range cfg.Stores {
		if ctx.Err() != nil {
			break
		}
		res, err := benchStore(ctx, cfg, store, bin, tmp, stderr)
		if res != nil {
			rep.Stores = append(rep.Stores, *res)
		}
		if err != nil {
			return rep, fmt.Errorf("%s: %w", store, err)
		}
	}
	return rep, ctx.Err()
}
