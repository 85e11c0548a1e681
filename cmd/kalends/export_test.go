package main

import (
	"archive/zip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kalends/kalends/internal/testenv"
)

// TestExportDirAndZip: every calendar of a user, and only calendars (no
// inbox or outbox), is written as NAME.ics into a directory or a zip
// archive, each equal to the export of that calendar alone.
func TestExportDirAndZip(t *testing.T) {
	for name, dsn := range testStores {
		t.Run(name, func(t *testing.T) {
			vars := newImportDB(t, dsn(t))
			putObjects(t, vars, "alice", "calendar", roundTripObjects)
			task := vcalendar("BEGIN:VTODO\nUID:task1\nDTSTAMP:20260101T000000Z\nSUMMARY:Pay rent\nDUE;VALUE=DATE:20261201\nEND:VTODO\n")
			if code, out, _ := runCmd(t, task, vars, "import", "alice/tasks"); code != 0 {
				t.Fatalf("import task: %s", out)
			}
			want := map[string]string{}
			for _, cal := range []string{"calendar", "tasks"} {
				code, out, stderr := runCmd(t, "", vars, "export", "alice/"+cal)
				if code != 0 {
					t.Fatalf("export %s: %s", cal, stderr)
				}
				want[cal+".ics"] = out
			}
			dir := filepath.Join(t.TempDir(), "out")
			if code, out, stderr := runCmd(t, "", vars, "export", "alice", "--dir", dir); code != 0 || strings.Count(out, "wrote ") != 2 {
				t.Fatalf("export --dir: %d %q %q", code, out, stderr)
			}
			got := map[string]string{}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
				got[e.Name()] = string(b)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("--dir wrote %v, want %v", keys(got), keys(want))
			}
			zipPath := filepath.Join(t.TempDir(), "alice.zip")
			if code, out, stderr := runCmd(t, "", vars, "export", "--zip", zipPath, "alice"); code != 0 || !strings.Contains(out, "(2 calendars)") {
				t.Fatalf("export --zip: %d %q %q", code, out, stderr)
			}
			zr, err := zip.OpenReader(zipPath)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			got = map[string]string{}
			for _, f := range zr.File {
				r, _ := f.Open()
				b, _ := io.ReadAll(r)
				r.Close()
				got[f.Name] = string(b)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("--zip holds %v, want %v", keys(got), keys(want))
			}
			if code, _, stderr := runCmd(t, "", vars, "export", "alice/inbox"); code != 1 || !strings.Contains(stderr, "not a calendar") {
				t.Fatalf("export of the inbox: %d %q", code, stderr)
			}
			if code, _, stderr := runCmd(t, "", vars, "export", "alice/nope"); code != 1 || !strings.Contains(stderr, "no calendar alice/nope") {
				t.Fatalf("export of an unknown calendar: %d %q", code, stderr)
			}
		})
	}
}

// TestExportCSVCommand: the CSV of a window lists each occurrence of the
// weekly series (the EXDATE left out, the moved one at its new time) and
// the all-day event as dates, in the --tz zone, sorted by start; the
// window bounds it and --from/--to dates are midnight in --tz.
func TestExportCSVCommand(t *testing.T) {
	vars := newImportDB(t, testenv.SQLitePath(t))
	putObjects(t, vars, "alice", "calendar", roundTripObjects)
	code, out, stderr := runCmd(t, "", vars, "export", "alice/calendar", "--format", "csv",
		"--from", "2026-12-08", "--to", "20261225T000000Z", "--tz", "Europe/Berlin")
	if code != 0 {
		t.Fatalf("export csv: %d %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"start", "end", "title", "location", "organizer", "attendees", "status"},
		{"2026-12-08T09:00:00+01:00", "2026-12-08T10:00:00+01:00", "Weekly", "Room 1", "Alice <alice@example.com>", "Dan <dan@example.net>; carol@example.net", ""},
		{"2026-12-22T14:00:00+01:00", "2026-12-22T15:00:00+01:00", "Weekly (moved)", "", "Alice <alice@example.com>", "Dan <dan@example.net>", ""},
		{"2026-12-24", "2026-12-26", "Holidays", "", "", "", ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("CSV rows:\n%q\nwant\n%q", rows, want)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
