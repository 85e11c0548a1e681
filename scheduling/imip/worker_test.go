package imip_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"slices"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/internal/testenv"
	"github.com/kalends/kalends/scheduling"
)

// TestDeliveries: one invitation to three people outside the server,
// against a real SMTP server: dave's mail arrives once with its headers
// and parts; erin's address is refused (550), which fails at once and
// shows as SCHEDULE-STATUS 5.1 in alice's copy (new ETag, a change log
// entry, the same Schedule-Tag, only that parameter changed); gina's
// server answers 451 twice, and the third attempt, after the backoff,
// delivers.
func TestDeliveries(t *testing.T) {
	stores(t, func(t *testing.T, open opener) {
		sink := testenv.StartSMTPSink(t, testenv.SinkOptions{
			Reject:   []string{"erin@elsewhere.example"},
			TempFail: map[string]int{"gina@elsewhere.example": 2},
		})
		e := newEnv(t, open)
		e.put("alice", "team.ics", meeting("team-1", "Team meeting", "dave@elsewhere.example", "erin@elsewhere.example",
			"gina@elsewhere.example"))
		before, cal := e.object("alice", "team.ics")
		for _, a := range []string{"dave", "erin", "gina"} {
			if s := scheduleStatus(t, before.Data, "ATTENDEE", a+"@elsewhere.example"); s != scheduling.StatusSent {
				t.Fatalf("%s's SCHEDULE-STATUS before sending is %q, want 1.1", a, s)
			}
		}
		queued := e.messages(backend.MessagePending)
		if len(queued) != 3 {
			t.Fatalf("%d messages queued, want 3", len(queued))
		}
		w := e.worker(e.store, sink.Addr, 10)

		if n := runOnce(t, w); n != 3 {
			t.Fatalf("first run claimed %d messages, want 3", n)
		}
		msgs := sink.Messages(t)
		if len(msgs) != 1 {
			t.Fatalf("the SMTP server got %d mails, want 1", len(msgs))
		}
		checkInvitation(t, msgs[0], "dave@elsewhere.example", queued[0].Data)

		after, _ := e.object("alice", "team.ics")
		if after.ETag == before.ETag {
			t.Fatal("the organizer's copy kept its ETag after the final failure")
		}
		if after.Index.ScheduleTag != before.Index.ScheduleTag || after.Index.ScheduleTag == "" {
			t.Fatalf("Schedule-Tag %q became %q; only SCHEDULE-STATUS changed (RFC 6638 §3.2.10)", before.Index.ScheduleTag, after.Index.ScheduleTag)
		}
		want, _ := scheduling.SetScheduleStatusText(before.Data, scheduling.RoleOrganizer, "mailto:erin@elsewhere.example", "5.1")
		if !bytes.Equal(after.Data, want) {
			t.Fatalf("the copy changed more than erin's SCHEDULE-STATUS:\n%s", after.Data)
		}
		if s := scheduleStatus(t, after.Data, "ATTENDEE", "erin@elsewhere.example"); s != scheduling.StatusFailed {
			t.Fatalf("erin's SCHEDULE-STATUS is %q, want 5.1", s)
		}
		changes, err := e.store.Changes(context.Background(), cal.ID, cal.Revision, 0)
		if err != nil || len(changes.Changes) == 0 || changes.Changes[len(changes.Changes)-1].URI != "team.ics" {
			t.Fatalf("no change logged for the report: %+v, %v", changes, err)
		}

		// gina: not due before the first wait (1 min) is over.
		if n := runOnce(t, w); n != 0 {
			t.Fatalf("a run before the retry time claimed %d", n)
		}
		e.clock.Advance(time.Minute)
		runOnce(t, w)
		if got := len(sink.Messages(t)); got != 1 {
			t.Fatalf("%d mails after the second 451", got)
		}
		e.clock.Advance(4 * time.Minute)
		if n := runOnce(t, w); n != 0 {
			t.Fatalf("a run before the second wait (5 min) was over claimed %d", n)
		}
		e.clock.Advance(time.Minute)
		runOnce(t, w)
		msgs = sink.Messages(t)
		if len(msgs) != 2 || !slices.Equal(msgs[1].To, []string{"gina@elsewhere.example"}) {
			t.Fatalf("mails after the retries: %d, last to %v", len(msgs), msgs[len(msgs)-1].To)
		}
		log := sink.RcptLog(t)
		wantLog := []string{"250 dave@elsewhere.example", "550 erin@elsewhere.example", "451 gina@elsewhere.example",
			"451 gina@elsewhere.example", "250 gina@elsewhere.example"}
		if !slices.Equal(log, wantLog) {
			t.Fatalf("RCPT answers %q, want %q", log, wantLog)
		}
		got := map[string]string{}
		for _, m := range e.messages("") {
			got[m.Recipient] = fmt.Sprintf("%s/%d", m.Status, m.Attempts)
		}
		if fmt.Sprint(got) != "map[mailto:dave@elsewhere.example:sent/1 mailto:erin@elsewhere.example:failed/1 mailto:gina@elsewhere.example:sent/3]" {
			t.Fatalf("queue after the runs: %v", got)
		}
		// Success keeps 1.1: the copy is not written again.
		last, _ := e.object("alice", "team.ics")
		if last.ETag != after.ETag {
			t.Fatal("a successful delivery rewrote the organizer's copy")
		}
		if n := runOnce(t, w); n != 0 || len(sink.Messages(t)) != 2 {
			t.Fatal("a finished queue sent again")
		}
	})
}

// checkInvitation reads a mail the sink got: envelope, headers and the
// three parts, the iCalendar decoding to exactly the queued bytes.
func checkInvitation(t *testing.T, m testenv.SinkMessage, to string, queued []byte) {
	t.Helper()
	if m.From != "calendar@kalends.example" || !slices.Equal(m.To, []string{to}) || m.Helo != "kalends.test" {
		t.Fatalf("envelope MAIL FROM %q RCPT TO %v EHLO %q", m.From, m.To, m.Helo)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Invitation: Team meeting @ Mon 4 Jan 2027 10:00 (CET)" {
		t.Fatalf("Subject %q", subject)
	}
	if rt, err := msg.Header.AddressList("Reply-To"); err != nil || rt[0].Address != "alice@example.com" {
		t.Fatalf("Reply-To %v, %v", rt, err)
	}
	if rcpt, err := msg.Header.AddressList("To"); err != nil || rcpt[0].Address != to {
		t.Fatalf("To %v, %v", rcpt, err)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mixed := multipart.NewReader(msg.Body, params["boundary"])
	alt, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ = mime.ParseMediaType(alt.Header.Get("Content-Type"))
	parts := multipart.NewReader(alt, params["boundary"])
	text, err := parts.NextPart()
	if err != nil || text.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("text part: %v", err)
	}
	if b, _ := io.ReadAll(text); !bytes.Contains(b, []byte("Alice has invited you to")) {
		t.Fatalf("text part:\n%s", b)
	}
	calPart, err := parts.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct := calPart.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8; method=REQUEST" {
		t.Fatalf("calendar part Content-Type %q", ct)
	}
	data, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, calPart))
	if err != nil || !bytes.Equal(data, queued) {
		t.Fatalf("the calendar part is not the queued message (%v):\n%s", err, data)
	}
	att, err := mixed.NextPart()
	if err != nil || att.FileName() != "invite.ics" {
		t.Fatalf("attachment: %v", err)
	}
	if data, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, att)); !bytes.Equal(data, queued) {
		t.Fatal("the attachment is not the queued message")
	}
}
