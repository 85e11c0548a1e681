// Command kalends is the Kalends CalDAV server and its administration tool.
//
//	kalends serve                 run the server
//	kalends migrate               bring the database schema up to date
//	kalends user add|passwd|list|delete
//	kalends room add|list|set|delete
//	kalends resource add|list|set|delete
//	kalends import USER/CALENDAR FILE.ics…
//	kalends export USER/CALENDAR > FILE.ics, or USER --dir DIR | --zip FILE.zip
//	kalends feed create|list|revoke
//	kalends mail list|retry
//	kalends import --from URL --user NAME
//	kalends version               also --version, -v
//
// Rooms and resources have no password: they answer invitations themselves
// by their booking policy. 'kalends room add "Room 101" --email …' derives
// the URL name room-101 and keeps "Room 101" as the display name.
//
// Every setting has a flag and a KALENDS_* environment variable; with none,
// every command uses kalends.db (SQLite) in the data directory
// ($XDG_STATE_HOME/kalends or ~/.local/state/kalends; --data-dir or
// $KALENDS_DATA_DIR to choose another), and the server listens on
// 127.0.0.1:8008.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

// version may be set at build time with -ldflags "-X main.version=…";
// otherwise versionString reads it from the build information.
var version string

// exitUsage is the exit status for a command line that cannot be understood.
const exitUsage = 2

// errUsage marks errors whose message is a usage text (exit status 2).
var errUsage = errors.New("usage")

// env is what a command sees of the outside world, so tests can run
// commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	stdinIsTTY     bool
	stderrIsTTY    bool // progress lines are drawn only on a terminal
}

type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"serve", "run the CalDAV server", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"user", "manage user accounts: add, passwd, list, delete", runUser},
		{"room", "manage rooms: add, list, set, delete", runRoom},
		{"resource", "manage resources: add, list, set, delete", runResource},
		{"delegate", "manage who acts for a user, room or resource: add, remove, list", runDelegate},
		{"import", "import .ics files into a calendar, or copy a CalDAV account (--from URL --user NAME)", runImport},
		{"export", "export calendars as .ics (or CSV)", runExport},
		{"feed", "manage subscription feeds (.ics URLs): create, list, revoke", runFeed},
		{"mail", "show and retry mail to people outside the server: list, retry", runMail},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, stdinIsTTY: isTerminal(os.Stdin), stderrIsTTY: isTerminal(os.Stderr)}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 && (args[0] == "-v" || args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return exitUsage
			}
			fmt.Fprintf(e.stderr, "kalends %s: %s\n", c.name, oneLine(err.Error()))
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "kalends: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return exitUsage
}

// oneLine folds a multi-line error (pgx lists each address it tried) into
// one line, so that a failure is one clear line in logs and terminals.
func oneLine(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: kalends COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'kalends COMMAND --help' for the flags of a command, 'kalends --version' for the version.")
}

// newFlagSet returns a flag set that reports errors without exiting, its
// usage text naming the command.
func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: kalends %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, mapping errors to errUsage (after flag has printed
// the usage) and -help to flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// usageError prints msg and the flag set's usage and returns errUsage.
func usageError(e *env, fs *flag.FlagSet, msg string) error {
	fmt.Fprintf(e.stderr, "kalends %s: %s\n", fs.Name(), msg)
	fs.Usage()
	return errUsage
}

// verb is one subcommand of a command with several (user add, feed list…).
type verb struct {
	name string
	run  func(ctx context.Context, e *env, args []string) error
}

// runVerb runs the verb args[0] of command name: usage (exit 2) when it
// is missing or unknown, help when asked.
func runVerb(ctx context.Context, e *env, name string, verbs []verb, args []string) error {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
		if len(args) > 0 && args[0] == v.name {
			return v.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "Usage: kalends %s %s [flags]\n", name, strings.Join(names, "|"))
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		return flag.ErrHelp
	}
	return errUsage
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "version")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "unexpected arguments")
	}
	fmt.Fprintln(e.stdout, "kalends", versionString())
	return nil
}

// versionString is the version set at build time, else the one the Go
// toolchain recorded in the binary.
func versionString() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return buildVersion(info)
}

// buildVersion is the module's version (go install …@v1.2.0, or the
// pseudo-version the toolchain derives from the VCS), else the VCS
// revision with "-dirty" for uncommitted changes, else "(devel)".
func buildVersion(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return "(devel)"
	}
	return rev[:min(12, len(rev))] + dirty
}
