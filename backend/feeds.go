package backend

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"
)

// FeedPrivacy says how a subscription feed shows the events their
// organizer marked private (CLASS:PRIVATE or CONFIDENTIAL, RFC 5545
// §3.8.1.3).
type FeedPrivacy string

// The privacy modes of a feed, from the most to the least revealing.
const (
	// FeedFull shows private events like any other.
	FeedFull FeedPrivacy = "full"
	// FeedBusy shows them as "Busy" blocks: their times and recurrence,
	// nothing of what they are about.
	FeedBusy FeedPrivacy = "busy"
	// FeedOmit leaves them out.
	FeedOmit FeedPrivacy = "omit"
)

// FeedPrivacies lists the modes from the most to the least revealing.
var FeedPrivacies = []FeedPrivacy{FeedFull, FeedBusy, FeedOmit}

// ParseFeedPrivacy returns the mode named s.
func ParseFeedPrivacy(s string) (FeedPrivacy, error) {
	for _, p := range FeedPrivacies {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("backend: unknown feed privacy %q (want full, busy or omit)", s)
}

// Stricter reports whether p reveals less than q (omit > busy > full).
func (p FeedPrivacy) Stricter(q FeedPrivacy) bool { return p.rank() > q.rank() }

func (p FeedPrivacy) rank() int {
	for i, m := range FeedPrivacies {
		if m == p {
			return i
		}
	}
	return len(FeedPrivacies) // unknown: the strictest, never more revealing
}

// Feed is a secret, revocable read-only URL of one calendar
// (/feeds/TOKEN.ics), for applications that subscribe to .ics files.
type Feed struct {
	ID         int64
	CalendarID int64
	// PrincipalID and CalendarURI name the calendar; stores fill them in
	// on every read.
	PrincipalID int64
	CalendarURI string
	// Token is the secret of the URL. The owner may see it again; requests
	// are matched by its SHA-256 (FeedTokenHash).
	Token     string
	Private   FeedPrivacy // the owner's default for private events
	Label     string      // the owner's note, e.g. who the URL was given to
	CreatedAt time.Time
}

// feedTokenBytes is the randomness of a token: 256 bits, far beyond the
// 128 that make guessing hopeless.
const feedTokenBytes = 32

// NewFeedToken returns a fresh random token, base64url without padding
// (43 characters, safe in a URL path). It never begins with '-' or '_',
// so that `kalends feed revoke TOKEN` cannot take it for a flag; the
// redraw this takes one time in 32 costs less than a tenth of a bit.
func NewFeedToken() (string, error) {
	b := make([]byte, feedTokenBytes)
	for {
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("backend: feed token: %w", err)
		}
		if tok := base64.RawURLEncoding.EncodeToString(b); tok[0] != '-' && tok[0] != '_' {
			return tok, nil
		}
	}
}

// FeedTokenHash is what stores index a token by. Looking a token up by its
// hash makes the lookup's time independent of how much of a guessed token
// matches a real one.
func FeedTokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Feeds are the read-only subscription feeds of calendars (see Feed).
type Feeds interface {
	// CreateFeed inserts f for the calendar f.CalendarID, storing its
	// token and the token's hash; ID, CreatedAt, PrincipalID and
	// CalendarURI are set on return. An empty Private is FeedBusy.
	// ErrNotFound if the calendar does not exist, ErrExists if the token
	// is already in use.
	CreateFeed(ctx context.Context, f *Feed) error
	// FeedByToken returns the feed of a token, looked up by
	// FeedTokenHash(token). ErrNotFound for any token that is not one of
	// a live feed, whatever its form.
	FeedByToken(ctx context.Context, token string) (*Feed, error)
	// Feed returns the feed with that id.
	Feed(ctx context.Context, id int64) (*Feed, error)
	// ListFeeds returns the feeds of a principal's calendars, or of one of
	// them when calendarID is not 0, ordered by calendar URI and id.
	ListFeeds(ctx context.Context, principalID, calendarID int64) ([]*Feed, error)
	// DeleteFeed revokes a feed: its URL answers nothing from then on.
	// ErrNotFound if it does not exist.
	DeleteFeed(ctx context.Context, id int64) error
}
