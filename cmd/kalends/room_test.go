package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/config"
	"github.com/kalends/kalends/internal/testenv"
)

// listRow returns the whitespace-separated fields of the line of `kalends
// KIND list` whose first field is name, or nil.
func listRow(out, name string) []string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return f
		}
	}
	return nil
}

// bookableScenario adds, lists, sets and deletes principals of one kind
// through the command line, checking the store after each step.
func bookableScenario(t *testing.T, dsn string, kind string, open func() backend.Store) {
	t.Helper()
	env := map[string]string{"KALENDS_DATABASE_URL": dsn}
	must := func(args ...string) string {
		t.Helper()
		code, out, stderr := runCmd(t, "", env, args...)
		if code != 0 {
			t.Fatalf("kalends %v: exit %d, stderr %q", args, code, stderr)
		}
		return out
	}
	out := must(kind, "add", "hall", "--email", "Hall@Example.com", "--display-name", "Great Hall", "--capacity", "8",
		"--location", "1st floor", "--policy", "always-accept", "--max-bookings", "2")
	if !strings.Contains(out, "created "+kind+" hall") {
		t.Fatalf("add: %q", out)
	}
	// Flags may come before the name too; the policy defaults to accept-if-free.
	must(kind, "add", "--email", "annex@example.com", "annex", "--email", "mailto:ANNEX@example.com")
	out = must(kind, "list")
	if !strings.HasPrefix(out, "NAME") || !strings.Contains(out, "Great Hall") || !strings.Contains(out, "1st floor") {
		t.Fatalf("list: %q", out)
	}
	if row := listRow(out, "hall"); row == nil || !strings.Contains(strings.Join(row, " "), "hall@example.com 8 1st floor always-accept 2") {
		t.Fatalf("list row of hall: %q", row)
	}
	if row := listRow(out, "annex"); strings.Join(row, " ") != "annex - annex@example.com - - accept-if-free 1" {
		t.Fatalf("list row of annex: %q", row)
	}

	must(kind, "set", "hall", "--policy", "manual", "--capacity", "12", "--location", "", "--max-bookings", "0")
	s := open()
	p, err := s.Principal(context.Background(), backend.PrincipalKind(kind), "hall")
	if err != nil {
		t.Fatal(err)
	}
	if p.BookingPolicy != "manual" || p.Capacity != 12 || p.Location != "" || p.MaxBookings != 0 ||
		p.DisplayName != "Great Hall" || len(p.Emails) != 1 || p.Emails[0] != "hall@example.com" {
		t.Fatalf("after set: %+v", p)
	}
	s.Close()
	must(kind, "set", "hall", "--display-name", "Hall", "--email", "hall2@example.com", "--email", "hall@example.com")
	if row := listRow(must(kind, "list"), "hall"); strings.Join(row, " ") != "hall Hall hall2@example.com,hall@example.com 12 - manual 1" {
		t.Fatalf("list row of hall after set: %q", row)
	}

	// Rooms and resources are kept apart from each other and from users.
	other := "resource"
	if kind == "resource" {
		other = "room"
	}
	if out := must(other, "list"); listRow(out, "hall") != nil {
		t.Fatalf("%s list shows a %s: %q", other, kind, out)
	}
	if out := must("user", "list"); listRow(out, "hall") != nil {
		t.Fatalf("user list shows a %s: %q", kind, out)
	}
	// A room cannot log in.
	s = open()
	if _, hash, err := s.Credentials(context.Background(), "hall"); err == nil && hash != "" {
		t.Fatalf("%s has a password hash", kind)
	}
	s.Close()

	if out := must(kind, "delete", "hall"); !strings.Contains(out, "deleted "+kind+" hall") {
		t.Fatalf("delete: %q", out)
	}
	if code, _, stderr := runCmd(t, "", env, kind, "delete", "hall"); code != 1 || !strings.Contains(stderr, "no "+kind+` "hall"`) {
		t.Fatalf("second delete: %d %q", code, stderr)
	}
	if out := must(kind, "list"); listRow(out, "hall") != nil || listRow(out, "annex") == nil {
		t.Fatalf("list after delete: %q", out)
	}
}

func TestRoomAndResourceCommands(t *testing.T) {
	for _, kind := range []string{"room", "resource"} {
		t.Run(kind, func(t *testing.T) {
			dsn := testenv.SQLitePath(t)
			bookableScenario(t, dsn, kind, func() backend.Store { return openTestStore(t, dsn) })
		})
	}
}

func TestRoomCommandsPostgres(t *testing.T) {
	dsn := testenv.PostgresDB(t)
	bookableScenario(t, dsn, "room", func() backend.Store { return openTestStore(t, dsn) })
}

// openTestStore opens the store a DSN names, as the commands do.
func openTestStore(t *testing.T, dsn string) backend.Store {
	t.Helper()
	cfg := config.Defaults()
	cfg.Database = dsn
	s, err := openStore(context.Background(), &env{stderr: io.Discard, getenv: func(string) string { return "" }}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRoomDisplayNameForm checks the form the issue shows: a quoted human
// name becomes the display name and a URL-safe name is derived from it.
func TestRoomDisplayNameForm(t *testing.T) {
	env := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t)}
	code, out, stderr := runCmd(t, "", env, "room", "add", "Room 101", "--email", "room101@example.com", "--capacity", "8")
	if code != 0 || !strings.Contains(out, "created room room-101 (Room 101)") {
		t.Fatalf("room add 'Room 101': %d %q %q", code, out, stderr)
	}
	code, out, _ = runCmd(t, "", env, "room", "list")
	if row := listRow(out, "room-101"); code != 0 || strings.Join(row, " ") != "room-101 Room 101 room101@example.com 8 - accept-if-free 1" {
		t.Fatalf("room list: %q", out)
	}
	// Accents are dropped and runs of other characters become one '-'; an
	// explicit --display-name wins over the argument.
	code, out, stderr = runCmd(t, "", env, "resource", "add", "Vidéoprojecteur  n°2", "--email", "vp2@example.com", "--display-name", "Projector 2")
	if code != 0 || !strings.Contains(out, "created resource videoprojecteur-n-2 (Projector 2)") {
		t.Fatalf("resource add with accents: %d %q %q", code, out, stderr)
	}
	// set and delete find the room by the same name.
	if code, _, stderr = runCmd(t, "", env, "room", "set", "Room 101", "--policy", "always-decline"); code != 0 {
		t.Fatalf("room set 'Room 101': %d %q", code, stderr)
	}
	if _, out, _ = runCmd(t, "", env, "room", "list"); !strings.Contains(out, "always-decline") {
		t.Fatalf("room list after set: %q", out)
	}
	// The same human name again is the same room: refused.
	if code, _, stderr = runCmd(t, "", env, "room", "add", "room 101", "--email", "other@example.com"); code != 1 || !strings.Contains(stderr, `room "room-101" already exists`) {
		t.Fatalf("second 'room 101': %d %q", code, stderr)
	}
	if code, _, stderr = runCmd(t, "", env, "room", "delete", "Room 101"); code != 0 {
		t.Fatalf("room delete 'Room 101': %d %q", code, stderr)
	}
	if _, out, _ = runCmd(t, "", env, "room", "list"); listRow(out, "room-101") != nil {
		t.Fatalf("room list after delete: %q", out)
	}
	// Nothing to make a name from.
	if code, _, stderr = runCmd(t, "", env, "room", "add", "!!!", "--email", "x@example.com"); code != 1 || !strings.Contains(stderr, "cannot make a name") {
		t.Fatalf("room add '!!!': %d %q", code, stderr)
	}
}

// TestRoomBadInput: each bad value fails with one clear line, exit 1, and
// leaves the database as it was; command lines that cannot be parsed exit 2
// with the usage.
func TestRoomBadInput(t *testing.T) {
	env := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t)}
	if code, _, stderr := runCmd(t, "", env, "room", "add", "hall", "--email", "hall@example.com", "--capacity", "10"); code != 0 {
		t.Fatalf("room add: %q", stderr)
	}
	if code, _, stderr := runCmd(t, "alice-password\n", env, "user", "add", "alice", "--email", "alice@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %q", stderr)
	}
	_, before, _ := runCmd(t, "", env, "room", "list")
	_, beforeRes, _ := runCmd(t, "", env, "resource", "list")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"room", "add", "b", "--email", "b@example.com", "--policy", "first-come"}, `unknown booking policy "first-come"`},
		{[]string{"resource", "add", "b", "--email", "b@example.com", "--policy", "Manual"}, `unknown booking policy "Manual"`},
		{[]string{"room", "add", "b", "--email", "b@example.com", "--capacity", "-1"}, "--capacity must not be negative"},
		{[]string{"room", "add", "b", "--email", "b@example.com", "--max-bookings", "-2"}, "--max-bookings must not be negative"},
		{[]string{"room", "add", "b"}, "--email is required"},
		{[]string{"resource", "add", "b", "--capacity", "3"}, "--email is required"},
		{[]string{"room", "add", "b", "--email", "not-an-address"}, "is not an e-mail address"},
		{[]string{"room", "add", "hall", "--email", "new@example.com"}, `room "hall" already exists; nothing changed`},
		{[]string{"room", "add", "b", "--email", "HALL@example.com"}, `address hall@example.com already belongs to room "hall"; nothing changed`},
		{[]string{"resource", "add", "b", "--email", "b@example.com", "--email", "alice@example.com"}, `already belongs to user "alice"`},
		{[]string{"room", "set", "hall", "--policy", "sometimes"}, "unknown booking policy"},
		{[]string{"room", "set", "hall", "--capacity", "-5"}, "--capacity must not be negative"},
		{[]string{"room", "set", "hall", "--email", "alice@example.com"}, `already belongs to user "alice"`},
		{[]string{"room", "set", "nowhere", "--capacity", "5"}, `no room "nowhere"`},
		{[]string{"resource", "set", "hall", "--capacity", "5"}, `no resource "hall"`},
		{[]string{"room", "delete", "nowhere"}, `no room "nowhere"`},
		{[]string{"resource", "delete", "hall"}, `no resource "hall"`},
	} {
		code, out, stderr := runCmd(t, "", env, c.args...)
		if code != 1 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || out != "" {
			t.Errorf("kalends %q: exit %d, stdout %q, stderr %q; want exit 1 and one line with %q", c.args, code, out, stderr, c.want)
		}
	}
	if _, after, _ := runCmd(t, "", env, "room", "list"); after != before {
		t.Fatalf("a refused command changed the rooms:\n%s\nthen\n%s", before, after)
	}
	if _, after, _ := runCmd(t, "", env, "resource", "list"); after != beforeRes {
		t.Fatalf("a refused command changed the resources:\n%s\nthen\n%s", beforeRes, after)
	}

	for _, args := range [][]string{
		{"room"},
		{"room", "rename"},
		{"resource", "book"},
		{"room", "add"},
		{"room", "add", "a", "b", "--email", "a@example.com"},
		{"room", "add", "b", "--email", "b@example.com", "--seats", "4"},
		{"room", "add", "b", "--email", "b@example.com", "--capacity", "many"},
		{"room", "add", "b", "--email", "b@example.com", "--password-stdin"},
		{"resource", "add", "b", "--email", "b@example.com", "--admin"},
		{"room", "list", "extra"},
		{"room", "list", "--bogus"},
		{"room", "set", "hall"},
		{"room", "set", "--capacity", "3"},
		{"room", "set", "hall", "--frobnicate"},
		{"room", "delete"},
		{"room", "delete", "hall", "--force"},
	} {
		code, out, stderr := runCmd(t, "", env, args...)
		if code != exitUsage || !strings.Contains(stderr, "Usage") || out != "" {
			t.Errorf("kalends %q: exit %d, stdout %q, stderr %q; want exit %d with the usage", args, code, out, stderr, exitUsage)
		}
	}
	if _, after, _ := runCmd(t, "", env, "room", "list"); after != before {
		t.Fatalf("a usage error changed the rooms:\n%s\nthen\n%s", before, after)
	}
}

func TestRoomHelpExits0(t *testing.T) {
	for _, kind := range []string{"room", "resource"} {
		for _, args := range [][]string{{kind, "--help"}, {kind, "add", "--help"}, {kind, "list", "-h"},
			{kind, "set", "--help"}, {kind, "delete", "--help"}} {
			if code, _, stderr := runCmd(t, "", nil, args...); code != 0 || !strings.Contains(stderr, "Usage") {
				t.Errorf("kalends %v: exit %d, stderr %q", args, code, stderr)
			}
		}
	}
	if _, _, stderr := runCmd(t, "", nil, "room", "add", "--help"); !strings.Contains(stderr, "room-101") || !strings.Contains(stderr, "always-decline") {
		t.Errorf("room add --help does not explain the display-name form or the policies: %q", stderr)
	}
}
