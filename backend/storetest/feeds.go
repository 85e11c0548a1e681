package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// RunFeeds runs the suite of the feeds role (backend.Feeds) against
// stores made by open.
func RunFeeds(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s backend.Store)
	}{
		{"CreateAndFind", testFeedCreate},
		{"UnknownTokens", testFeedUnknownTokens},
		{"TokenTaken", testFeedTokenTaken},
		{"List", testFeedList},
		{"Revoke", testFeedRevoke},
		{"Cascade", testFeedCascade},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

func newToken(t *testing.T) string {
	t.Helper()
	tok, err := backend.NewFeedToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustFeed(t *testing.T, s backend.Store, cal *backend.Calendar, private backend.FeedPrivacy, label string) *backend.Feed {
	t.Helper()
	f := &backend.Feed{CalendarID: cal.ID, Token: newToken(t), Private: private, Label: label}
	if err := s.CreateFeed(ctx(t), f); err != nil {
		t.Fatalf("CreateFeed(%s): %v", cal.URI, err)
	}
	return f
}

func sameFeed(t *testing.T, what string, got, want *backend.Feed) {
	t.Helper()
	if got.ID != want.ID || got.CalendarID != want.CalendarID || got.PrincipalID != want.PrincipalID ||
		got.CalendarURI != want.CalendarURI || got.Token != want.Token || got.Private != want.Private ||
		got.Label != want.Label || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Fatalf("%s: got %+v, want %+v", what, got, want)
	}
}

func testFeedCreate(t *testing.T, s backend.Store) {
	alice := mustUser(t, s, "alice")
	cal := mustCalendar(t, s, alice, "work")
	before := time.Now().Add(-2 * time.Second)
	f := &backend.Feed{CalendarID: cal.ID, Token: newToken(t), Label: "for Bob's phone"}
	if err := s.CreateFeed(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	// The default privacy is busy; the calendar's names are filled in.
	if f.ID == 0 || f.Private != backend.FeedBusy || f.PrincipalID != alice.ID || f.CalendarURI != "work" ||
		f.CreatedAt.Before(before) || f.CreatedAt.After(time.Now().Add(2*time.Second)) {
		t.Fatalf("created feed: %+v", f)
	}
	got, err := s.FeedByToken(ctx(t), f.Token)
	if err != nil {
		t.Fatal(err)
	}
	sameFeed(t, "FeedByToken", got, f)
	got, err = s.Feed(ctx(t), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameFeed(t, "Feed", got, f)

	omit := mustFeed(t, s, cal, backend.FeedOmit, "")
	if got, err := s.FeedByToken(ctx(t), omit.Token); err != nil || got.Private != backend.FeedOmit || got.ID == f.ID {
		t.Fatalf("second feed: %+v, %v", got, err)
	}

	err = s.CreateFeed(ctx(t), &backend.Feed{CalendarID: cal.ID + 1000, Token: newToken(t)})
	wantErr(t, "CreateFeed on a missing calendar", err, backend.ErrNotFound)
	_, err = s.Feed(ctx(t), omit.ID+1000)
	wantErr(t, "Feed of a missing id", err, backend.ErrNotFound)
}

// testFeedUnknownTokens: anything that is not a live token is not found,
// whatever its form, including a real token's prefix or a near miss.
func testFeedUnknownTokens(t *testing.T, s backend.Store) {
	cal := mustCalendar(t, s, mustUser(t, s, "alice"), "work")
	f := mustFeed(t, s, cal, backend.FeedBusy, "")
	nearMiss := []byte(f.Token)
	nearMiss[len(nearMiss)-1] ^= 1
	for _, tok := range []string{"", "x", f.Token[:42], f.Token + "A", string(nearMiss), strings.ToUpper(f.Token),
		newToken(t), strings.Repeat("A", 4096), "../../etc/passwd", "tok\x00en", "é"} {
		if tok == f.Token {
			continue
		}
		_, err := s.FeedByToken(ctx(t), tok)
		wantErr(t, "FeedByToken("+truncate(tok)+")", err, backend.ErrNotFound)
	}
}

func truncate(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// testFeedTokenTaken: a token can serve one feed only; the second create
// writes nothing.
func testFeedTokenTaken(t *testing.T, s backend.Store) {
	alice := mustUser(t, s, "alice")
	cal := mustCalendar(t, s, alice, "work")
	f := mustFeed(t, s, cal, backend.FeedFull, "first")
	other := mustCalendar(t, s, alice, "home")
	err := s.CreateFeed(ctx(t), &backend.Feed{CalendarID: other.ID, Token: f.Token, Label: "second"})
	wantErr(t, "CreateFeed with a taken token", err, backend.ErrExists)
	feeds, err := s.ListFeeds(ctx(t), alice.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) != 1 || feeds[0].Label != "first" {
		t.Fatalf("feeds after the failed create: %+v", feeds)
	}
}

func testFeedList(t *testing.T, s backend.Store) {
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	work, home := mustCalendar(t, s, alice, "work"), mustCalendar(t, s, alice, "home")
	mustFeed(t, s, work, backend.FeedFull, "w1")
	h1 := mustFeed(t, s, home, backend.FeedBusy, "h1")
	mustFeed(t, s, work, backend.FeedOmit, "w2")
	mustFeed(t, s, mustCalendar(t, s, bob, "work"), backend.FeedBusy, "bob's")

	labels := func(principalID, calID int64) string {
		t.Helper()
		feeds, err := s.ListFeeds(ctx(t), principalID, calID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range feeds {
			out = append(out, f.Label)
		}
		return strings.Join(out, ",")
	}
	// By calendar URI (home < work), then in creation order.
	if got := labels(alice.ID, 0); got != "h1,w1,w2" {
		t.Fatalf("alice's feeds: %s", got)
	}
	if got := labels(alice.ID, work.ID); got != "w1,w2" {
		t.Fatalf("alice's work feeds: %s", got)
	}
	if got := labels(bob.ID, 0); got != "bob's" {
		t.Fatalf("bob's feeds: %s", got)
	}
	// Another principal's calendar id lists nothing.
	if got := labels(bob.ID, work.ID); got != "" {
		t.Fatalf("bob listing alice's calendar: %s", got)
	}
	feeds, err := s.ListFeeds(ctx(t), alice.ID, home.ID)
	if err != nil || len(feeds) != 1 {
		t.Fatalf("ListFeeds(home): %v, %v", feeds, err)
	}
	sameFeed(t, "listed feed", feeds[0], h1)
}

// testFeedRevoke: a revoked token is found no more, and revoking twice is
// ErrNotFound.
func testFeedRevoke(t *testing.T, s backend.Store) {
	alice := mustUser(t, s, "alice")
	cal := mustCalendar(t, s, alice, "work")
	f := mustFeed(t, s, cal, backend.FeedBusy, "")
	keep := mustFeed(t, s, cal, backend.FeedBusy, "")
	if err := s.DeleteFeed(ctx(t), f.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.FeedByToken(ctx(t), f.Token)
	wantErr(t, "FeedByToken after revoke", err, backend.ErrNotFound)
	_, err = s.Feed(ctx(t), f.ID)
	wantErr(t, "Feed after revoke", err, backend.ErrNotFound)
	wantErr(t, "second DeleteFeed", s.DeleteFeed(ctx(t), f.ID), backend.ErrNotFound)
	if _, err := s.FeedByToken(ctx(t), keep.Token); err != nil {
		t.Fatalf("the other feed after revoke: %v", err)
	}
}

// testFeedCascade: deleting a calendar or its principal ends its feeds.
func testFeedCascade(t *testing.T, s backend.Store) {
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	work, home := mustCalendar(t, s, alice, "work"), mustCalendar(t, s, alice, "home")
	fw, fh := mustFeed(t, s, work, backend.FeedBusy, ""), mustFeed(t, s, home, backend.FeedBusy, "")
	fb := mustFeed(t, s, mustCalendar(t, s, bob, "work"), backend.FeedBusy, "")
	if err := s.DeleteCalendar(ctx(t), work.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.FeedByToken(ctx(t), fw.Token)
	wantErr(t, "feed of a deleted calendar", err, backend.ErrNotFound)
	if _, err := s.FeedByToken(ctx(t), fh.Token); err != nil {
		t.Fatalf("feed of the other calendar: %v", err)
	}
	if err := s.DeletePrincipal(ctx(t), alice.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.FeedByToken(ctx(t), fh.Token)
	wantErr(t, "feed of a deleted principal", err, backend.ErrNotFound)
	if feeds, err := s.ListFeeds(ctx(t), alice.ID, 0); err != nil || len(feeds) != 0 {
		t.Fatalf("feeds of a deleted principal: %v, %v", feeds, err)
	}
	if _, err := s.FeedByToken(ctx(t), fb.Token); err != nil {
		t.Fatalf("bob's feed: %v", err)
	}
}
