package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/internal/testenv"
)

// feedURLRe matches a printed feed URL: BASE/feeds/43 base64url characters.ics.
var feedURLRe = regexp.MustCompile(`^(.*)/feeds/([A-Za-z0-9_-]{43})\.ics$`)

// feedScenario creates, lists and revokes feeds through the command line,
// checking the store after each step.
func feedScenario(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openTestStore(t, dsn)
	alice := &backend.Principal{Kind: backend.KindUser, Name: "alice", Emails: []string{"alice@example.com"}}
	if err := s.CreatePrincipal(ctx, alice, ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*backend.Calendar{
		{PrincipalID: alice.ID, URI: "work", Kind: backend.CollectionCalendar, DisplayName: "Work", Components: []string{"VEVENT"}},
		{PrincipalID: alice.ID, URI: "home", Kind: backend.CollectionCalendar, DisplayName: "Home", Components: []string{"VEVENT"}},
		{PrincipalID: alice.ID, URI: "inbox", Kind: backend.CollectionInbox},
	} {
		if err := s.CreateCalendar(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	feeds := func() []*backend.Feed {
		t.Helper()
		s := openTestStore(t, dsn)
		defer s.Close()
		fs, err := s.ListFeeds(ctx, alice.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	env := map[string]string{"KALENDS_DATABASE_URL": dsn}
	must := func(vars map[string]string, args ...string) string {
		t.Helper()
		code, out, stderr := runCmd(t, "", vars, args...)
		if code != 0 {
			t.Fatalf("kalends %v: exit %d, stderr %q", args, code, stderr)
		}
		return out
	}
	create := func(vars map[string]string, wantBase string, args ...string) string {
		t.Helper()
		out := strings.TrimSpace(must(vars, append([]string{"feed", "create"}, args...)...))
		m := feedURLRe.FindStringSubmatch(out)
		if m == nil || m[1] != wantBase {
			t.Fatalf("feed create %v printed %q, want %s/feeds/TOKEN.ics", args, out, wantBase)
		}
		return m[2]
	}

	// The base URL: --base-url, else KALENDS_BASE_URL, else the listen address.
	withBase := map[string]string{"KALENDS_DATABASE_URL": dsn, "KALENDS_BASE_URL": "https://cal.example.com/kalends/"}
	tok1 := create(withBase, "https://cal.example.com/kalends", "alice/work", "--private", "omit", "--label", "Bob's phone")
	tok2 := create(env, "http://127.0.0.1:8008", "alice/work")
	tok3 := create(map[string]string{"KALENDS_DATABASE_URL": dsn, "KALENDS_LISTEN": "127.0.0.1:9999"}, "http://127.0.0.1:9999",
		"--label", "family", "alice/home/", "--private", "full")
	create(withBase, "http://h.example", "alice/home", "--base-url", "http://h.example")
	got := feeds()
	if len(got) != 4 {
		t.Fatalf("%d feeds, want 4", len(got))
	}
	byToken := map[string]*backend.Feed{}
	for _, f := range got {
		byToken[f.Token] = f
	}
	if f := byToken[tok1]; f == nil || f.CalendarURI != "work" || f.Private != backend.FeedOmit || f.Label != "Bob's phone" {
		t.Fatalf("first feed: %+v", f)
	}
	if f := byToken[tok2]; f == nil || f.Private != backend.FeedBusy || f.Label != "" {
		t.Fatalf("second feed (defaults): %+v", f)
	}
	if f := byToken[tok3]; f == nil || f.CalendarURI != "home" || f.Private != backend.FeedFull {
		t.Fatalf("third feed: %+v", f)
	}

	// list: every calendar of the user, or one.
	out := must(withBase, "feed", "list", "alice")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || strings.Join(strings.Fields(lines[0]), " ") != "ID CALENDAR CREATED PRIVATE LABEL URL" {
		t.Fatalf("feed list alice:\n%s", out)
	}
	var work []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if f[1] == "work" {
			work = append(work, f[0]+" "+f[3]+" "+f[len(f)-1])
		}
	}
	want := []string{
		itoa64(byToken[tok1].ID) + " omit https://cal.example.com/kalends/feeds/" + tok1 + ".ics",
		itoa64(byToken[tok2].ID) + " busy https://cal.example.com/kalends/feeds/" + tok2 + ".ics",
	}
	if strings.Join(work, "\n") != strings.Join(want, "\n") {
		t.Fatalf("work rows %q, want %q\n%s", work, want, out)
	}
	if !strings.Contains(out, "Bob's phone") {
		t.Fatalf("label missing:\n%s", out)
	}
	out = must(env, "feed", "list", "alice/home", "--base-url", "http://h.example")
	if n := strings.Count(out, "http://h.example/feeds/"); n != 2 || strings.Contains(out, tok1) {
		t.Fatalf("feed list alice/home:\n%s", out)
	}

	// revoke by id, by URL and by token.
	must(env, "feed", "revoke", itoa64(byToken[tok1].ID))
	must(env, "feed", "revoke", "https://anything.example/feeds/"+tok2+".ics")
	if out := must(env, "feed", "revoke", tok3); !strings.Contains(out, "revoked feed "+itoa64(byToken[tok3].ID)+" of alice/home") {
		t.Fatalf("revoke output %q", out)
	}
	if got := feeds(); len(got) != 1 || got[0].Token == tok1 || got[0].Token == tok2 || got[0].Token == tok3 {
		t.Fatalf("feeds after revoking three: %+v", got)
	}

	// Errors: one line, exit 1, nothing written.
	for _, args := range [][]string{
		{"feed", "create", "bob/work"},
		{"feed", "create", "alice/nope"},
		{"feed", "create", "alice/inbox"},
		{"feed", "list", "carol"},
		{"feed", "list", "alice/nope"},
		{"feed", "revoke", tok1},
		{"feed", "revoke", itoa64(byToken[tok1].ID)},
		{"feed", "revoke", "http://127.0.0.1:8008/feeds/nope.ics"},
	} {
		code, _, stderr := runCmd(t, "", env, args...)
		if code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "no ") && !strings.Contains(stderr, "not a calendar") {
			t.Errorf("kalends %v: exit %d, stderr %q; want exit 1 and one line", args, code, stderr)
		}
	}
	if got := feeds(); len(got) != 1 {
		t.Fatalf("%d feeds after the failures, want 1", len(got))
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestFeedCommands(t *testing.T) {
	feedScenario(t, testenv.SQLitePath(t))
}

func TestFeedCommandsPostgres(t *testing.T) {
	feedScenario(t, testenv.PostgresDB(t))
}

func TestFeedUsage(t *testing.T) {
	env := map[string]string{"KALENDS_DATABASE_URL": testenv.SQLitePath(t)}
	for _, args := range [][]string{
		{"feed"},
		{"feed", "bogus"},
		{"feed", "create"},
		{"feed", "create", "alice"},
		{"feed", "create", "alice/"},
		{"feed", "create", "/work"},
		{"feed", "create", "a/b/c"},
		{"feed", "create", "alice/work", "extra"},
		{"feed", "create", "alice/work", "--private", "public"},
		{"feed", "create", "alice/work", "--base-url", "ftp://x"},
		{"feed", "create", "alice/work", "--bogus"},
		{"feed", "list"},
		{"feed", "list", "a/b/c"},
		{"feed", "revoke"},
		{"feed", "revoke", "1", "2"},
	} {
		code, _, stderr := runCmd(t, "", env, args...)
		if code != exitUsage || !strings.Contains(stderr, "Usage") {
			t.Errorf("kalends %v: exit %d, want %d with usage (stderr %q)", args, code, exitUsage, stderr)
		}
	}
	// --base-url from the environment is checked too.
	env["KALENDS_BASE_URL"] = "cal.example.com"
	if code, _, _ := runCmd(t, "", env, "feed", "create", "alice/work"); code != exitUsage {
		t.Errorf("bad KALENDS_BASE_URL: exit %d", code)
	}
}
