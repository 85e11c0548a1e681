package storetest

import (
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// wrapped is a store behind a wrapper built the way a metrics or tracing
// wrapper is: a struct embedding the roles, with no method of its own.
// Passed where a backend.Store is needed, it must keep every feature: no
// consumer may find a role by asserting the concrete store's type.
type wrapped struct {
	backend.Database
	backend.Principals
	backend.Delegations
	backend.Calendars
	backend.Objects
	backend.Files
	backend.Feeds
	backend.MailQueue
}

var _ backend.Store = wrapped{}

// Wrap returns s behind a wrapper that embeds its roles one by one.
func Wrap(s backend.Store) backend.Store {
	return wrapped{Database: s, Principals: s, Delegations: s, Calendars: s, Objects: s, Files: s, Feeds: s, MailQueue: s}
}

// Wrapped returns an Opener of the stores of open, each behind Wrap.
func Wrapped(open Opener) Opener {
	return func(t *testing.T) backend.Store { return Wrap(open(t)) }
}

// testWrapper uses every role once through a wrapper, the optional-looking
// ones (feeds, files, the mail queue) and a transaction included.
func testWrapper(t *testing.T, s backend.Store) {
	w := Wrap(s)
	c := ctx(t)
	p := mustUser(t, w, "wendy")
	cal := mustCalendar(t, w, p, "cal")

	f := mustFeed(t, w, cal, backend.FeedBusy, "wrapped")
	if got, err := w.FeedByToken(c, f.Token); err != nil || got.ID != f.ID {
		t.Fatalf("FeedByToken through a wrapper: %+v, %v", got, err)
	}

	if err := w.MakeFileCollection(c, cal.ID, "notes/", nil); err != nil {
		t.Fatalf("MakeFileCollection through a wrapper: %v", err)
	}
	if _, err := w.PutFile(c, &backend.PutFileRequest{CalendarID: cal.ID, Path: "notes/a.txt", Data: []byte("a")}); err != nil {
		t.Fatalf("PutFile through a wrapper: %v", err)
	}
	if got, err := w.File(c, cal.ID, "notes/a.txt"); err != nil || string(got.Data) != "a" {
		t.Fatalf("File through a wrapper: %+v, %v", got, err)
	}

	err := w.Update(c, func(tx backend.TxStore) error {
		if _, err := tx.PutObject(c, &backend.PutObjectRequest{CalendarID: cal.ID, Object: event("a.ics", "a", "A", t0)}); err != nil {
			return err
		}
		return tx.QueueMessage(c, &backend.OutboundMessage{PrincipalID: p.ID, Originator: "mailto:wendy@example.com",
			Recipient: "mailto:x@elsewhere.example", Method: "REQUEST", UID: "a", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")})
	})
	if err != nil {
		t.Fatalf("Update through a wrapper: %v", err)
	}
	msgs, err := w.ClaimMessages(c, time.Now(), time.Minute, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("ClaimMessages through a wrapper: %d messages, %v", len(msgs), err)
	}
	m := msgs[0]
	err = w.FinishAttempt(c, &backend.Attempt{ID: m.ID, ClaimToken: m.ClaimToken, At: time.Now(), Status: backend.MessageSent}, nil)
	if err != nil {
		t.Fatalf("FinishAttempt through a wrapper: %v", err)
	}
	if got, err := w.OutboundMessages(c, p.ID); err != nil || len(got) != 1 || got[0].Status != backend.MessageSent {
		t.Fatalf("OutboundMessages through a wrapper: %+v, %v", got, err)
	}
}

// RunWrapped runs the suites of the feeds, files and mail queue roles
// against the stores of open behind Wrap: a wrapper must not switch any
// of them off.
func RunWrapped(t *testing.T, open Opener) {
	w := Wrapped(open)
	t.Run("Feeds", func(t *testing.T) { RunFeeds(t, w) })
	t.Run("Files", func(t *testing.T) { RunFiles(t, w) })
	t.Run("MailQueue", func(t *testing.T) { RunMailQueue(t, w) })
}
