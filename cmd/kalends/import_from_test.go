package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/caldav"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/testenv"
)

// sourceServer is a Kalends server over real HTTP acting as the account
// to migrate from: user "src" with password "src-pw" and one event in
// calendar "work".
func sourceServer(t *testing.T) string {
	t.Helper()
	s, err := sqlite.Open(context.Background(), testenv.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := backend.HashPassword("src-pw")
	if err := s.CreatePrincipal(context.Background(), &backend.Principal{Kind: backend.KindUser, Name: "src"}, hash); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(caldav.New(calendar.New(s, calendar.Options{}), caldav.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(func() { srv.Close(); s.Close() })
	do := func(method, path, ctype, body string, want int) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.SetBasicAuth("src", "src-pw")
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d", method, path, resp.StatusCode, want)
		}
	}
	do("MKCALENDAR", "/dav/calendars/users/src/work/", "application/xml",
		`<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Work</D:displayname></D:prop></D:set></C:mkcalendar>`, 201)
	do("PUT", "/dav/calendars/users/src/work/a.ics", "text/calendar",
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a@test\r\nDTSTAMP:20260101T000000Z\r\n"+
			"DTSTART:20260302T090000Z\r\nSUMMARY:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 201)
	return srv.URL + "/dav/"
}

// importEnv is the environment of an import into a fresh database with
// user bob.
func importEnv(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t), "KALENDS_SOURCE_PASSWORD": "src-pw"}
	if code, _, stderr := runCmd(t, "bob-password\n", vars, "user", "add", "bob", "--email", "bob@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	return vars
}

// bobCalendars lists the calendars of bob in the database of vars.
func bobCalendars(t *testing.T, vars map[string]string) []string {
	t.Helper()
	s, err := sqlite.Open(context.Background(), vars["KALENDS_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := s.Principal(context.Background(), backend.KindUser, "bob")
	if err != nil {
		t.Fatal(err)
	}
	cals, err := s.ListCalendars(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cals {
		objs, _ := s.ListObjects(context.Background(), c.ID, nil)
		out = append(out, fmt.Sprintf("%s:%d", c.URI, len(objs)))
	}
	return out
}

func TestImportFromUsage(t *testing.T) {
	vars := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t)}
	for _, args := range [][]string{
		{"import"},
		{"import", "--from", "http://127.0.0.1:1/"},
		{"import", "--user", "bob"},
		{"import", "--from", "http://127.0.0.1:1/", "--user", "bob", "extra"},
		{"import", "--from", "ftp://example.com/", "--user", "bob"},
		{"import", "--from", "http://u:secret@127.0.0.1:1/", "--user", "bob"},
		{"import", "--from", "http://127.0.0.1:1/", "--user", "bob", "--source-password", "x"},
	} {
		code, _, stderr := runCmd(t, "", vars, args...)
		if code != exitUsage || !strings.Contains(stderr, "Usage") {
			t.Errorf("kalends %v: exit %d, want %d with usage (stderr %q)", args, code, exitUsage, stderr)
		}
	}
	// Help of file import points to the migration; with --from, its own.
	if code, _, stderr := runCmd(t, "", nil, "import", "--help"); code != 0 || !strings.Contains(stderr, "import --from URL --user NAME") {
		t.Errorf("import --help: %d %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", nil, "import", "--from", "http://127.0.0.1:1/", "--help"); code != 0 || !strings.Contains(stderr, "--source-user") {
		t.Errorf("import --from URL --help: %d %q", code, stderr)
	}
}

// TestImportFromBadInput: each failure is one line and exit 1, and
// leaves the user's calendar home as it was.
func TestImportFromBadInput(t *testing.T) {
	src := sourceServer(t)
	notDAV := httptest.NewServer(http.NotFoundHandler())
	defer notDAV.Close()
	vars := importEnv(t)
	wrongPW := map[string]string{"KALENDS_DATABASE_URL": vars["KALENDS_DATABASE_URL"], "KALENDS_SOURCE_PASSWORD": "nope"}
	noPW := map[string]string{"KALENDS_DATABASE_URL": vars["KALENDS_DATABASE_URL"]}
	for _, c := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{vars, []string{"--from", fmt.Sprintf("http://127.0.0.1:%d/", testenv.FreePort(t)), "--user", "bob"}, "cannot reach"},
		{wrongPW, []string{"--from", src, "--user", "bob", "--source-user", "src"}, "refused the credentials"},
		{vars, []string{"--from", src, "--user", "bob"}, "refused the credentials"},
		{noPW, []string{"--from", src, "--user", "bob", "--source-user", "src"}, "KALENDS_SOURCE_PASSWORD"},
		{vars, []string{"--from", notDAV.URL, "--user", "bob"}, "is not a CalDAV account"},
		{vars, []string{"--from", src, "--user", "nobody", "--source-user", "src"}, `no user "nobody"`},
		{vars, []string{"--from", src, "--user", "bob", "--source-user", "src", "--source-password-file", filepath.Join(t.TempDir(), "none")}, "no such file"},
	} {
		code, _, stderr := runCmd(t, "", c.vars, append([]string{"import"}, c.args...)...)
		if code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("import %v: exit %d, stderr %q; want exit 1 and one line with %q", c.args, code, stderr, c.want)
		}
	}
	if got := bobCalendars(t, vars); len(got) != 0 {
		t.Errorf("failed imports left calendars: %v", got)
	}
}

func TestImportFrom(t *testing.T) {
	src := sourceServer(t)
	vars := importEnv(t)
	args := []string{"import", "--from", src, "--user", "bob", "--source-user", "src"}

	code, out, stderr := runCmd(t, "", vars, append(args, "--dry-run")...)
	if code != 0 || !strings.Contains(out, "Work (") || !strings.Contains(out, "would read 1 new or changed") {
		t.Fatalf("dry run: %d %q %q", code, out, stderr)
	}
	if got := bobCalendars(t, vars); len(got) != 0 {
		t.Fatalf("a dry run wrote calendars: %v", got)
	}

	code, out, stderr = runCmd(t, "", vars, args...)
	if code != 0 || !strings.Contains(out, "into new calendar work") || !strings.Contains(out, "1 created, 0 updated, 0 unchanged") {
		t.Fatalf("import: %d %q %q", code, out, stderr)
	}
	if got := strings.Join(bobCalendars(t, vars), " "); got != "calendar:0 tasks:0 work:1" {
		t.Errorf("bob's calendars after the import: %s", got)
	}

	// The password from a file, the second run changing nothing.
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("src-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnvPW := map[string]string{"KALENDS_DATABASE_URL": vars["KALENDS_DATABASE_URL"]}
	code, out, stderr = runCmd(t, "", noEnvPW, append(args, "--source-password-file", pwFile)...)
	if code != 0 || !strings.Contains(out, "0 created, 0 updated, 1 unchanged, 0 deleted, 0 rejected") {
		t.Fatalf("second import: %d %q %q", code, out, stderr)
	}
}
