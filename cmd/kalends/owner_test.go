package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRoomCalendarsFromTheCommandLine: an administrator imports into,
// exports and publishes a room's or a resource's calendar as a user's,
// naming it NAME/CALENDAR or KIND/NAME/CALENDAR; a name that several kinds
// use must be written KIND/NAME.
func TestRoomCalendarsFromTheCommandLine(t *testing.T) {
	for name, dsn := range testStores {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{"KALENDS_DATABASE_URL": dsn(t), "KALENDS_BASE_URL": "https://cal.example.com"}
			must := func(stdin string, args ...string) string {
				t.Helper()
				code, out, stderr := runCmd(t, stdin, vars, args...)
				if code != 0 {
					t.Fatalf("kalends %v: exit %d, stderr %q", args, code, stderr)
				}
				return out
			}
			must("", "room", "add", "Room 101", "--email", "room101@example.com")
			must("", "resource", "add", "projector", "--email", "projector@example.com")
			must("", "room", "add", "hall", "--email", "hall-room@example.com")
			must("hall-password\n", "user", "add", "hall", "--email", "hall@example.com", "--password-stdin")

			ics := writeFile(t, "b.ics", vcalendar(vevent("booking-1", "20270105T090000Z", "Board meeting")))
			must("", "import", "room-101/calendar", ics)
			must("", "import", "resources/projector/calendar", ics)
			for _, arg := range []string{"room-101/calendar", "rooms/room-101/calendar", "room/room-101/calendar", "projector/calendar"} {
				if out := must("", "export", arg); !strings.Contains(out, "UID:booking-1") {
					t.Fatalf("export %s lacks the booking:\n%s", arg, out)
				}
			}
			dir := t.TempDir()
			must("", "export", "rooms/room-101", "--dir", dir)
			if b, err := os.ReadFile(filepath.Join(dir, "calendar.ics")); err != nil || !strings.Contains(string(b), "UID:booking-1") {
				t.Fatalf("export rooms/room-101 --dir: %v %q", err, b)
			}
			if out := must("", "feed", "create", "rooms/room-101/calendar"); !strings.HasPrefix(out, "https://cal.example.com/feeds/") {
				t.Fatalf("feed create of a room: %q", out)
			}
			if out := must("", "feed", "list", "rooms/room-101"); strings.Count(out, "https://cal.example.com/feeds/") != 1 {
				t.Fatalf("feed list rooms/room-101:\n%s", out)
			}
			if out := must("", "feed", "list", "room-101/calendar"); strings.Count(out, "https://cal.example.com/feeds/") != 1 {
				t.Fatalf("feed list room-101/calendar:\n%s", out)
			}

			// hall is a user and a room: the bare name is refused, KIND/NAME works.
			code, _, stderr := runCmd(t, "", vars, "export", "hall/calendar")
			if code != 1 || !strings.Contains(stderr, "KIND/NAME") {
				t.Fatalf("export of an ambiguous name: %d %q", code, stderr)
			}
			must("", "import", "rooms/hall/calendar", ics)
			if out := must("", "export", "users/hall/calendar"); strings.Contains(out, "booking-1") {
				t.Fatalf("the user hall got the room's booking:\n%s", out)
			}
			for _, args := range [][]string{{"export", "nobody/calendar"}, {"export", "rooms/room-101/nope"}} {
				if code, _, stderr := runCmd(t, "", vars, args...); code == 0 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
					t.Errorf("kalends %v: exit %d, stderr %q; want a failure in one line", args, code, stderr)
				}
			}
			if code, _, _ := runCmd(t, "", vars, "export", "desks/d1/calendar"); code != exitUsage {
				t.Errorf("export desks/d1/calendar: exit %d, want the usage", code)
			}
		})
	}
}
