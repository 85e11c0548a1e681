package imip_test

import (
	"bytes"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/internal/testenv"
	"github.com/kalends/kalends/scheduling/imip"
)

// TestOneMailForManyRecipients: an invitation to many people outside the
// server goes out as one mail per MaxRecipients of them (one SMTP
// transaction: one MAIL, a RCPT each, one DATA), not one mail each, so
// what reaches the relay grows with the attendees rather than with their
// square (RFC 6047 §2.2 allows one iMIP message to several recipients).
// Each recipient's outcome is its own: a refused RCPT fails that
// recipient alone; the others are sent.
func TestOneMailForManyRecipients(t *testing.T) {
	stores(t, func(t *testing.T, open opener) {
		sink := testenv.StartSMTPSink(t, testenv.SinkOptions{Reject: []string{"p03@elsewhere.example"}})
		e := newEnv(t, open)
		const n = 12
		var rcpts []string
		for i := range n {
			rcpts = append(rcpts, fmt.Sprintf("p%02d@elsewhere.example", i))
		}
		e.put("alice", "big.ics", meeting("big-1", "All hands", rcpts...))
		queued := e.messages(backend.MessagePending)
		if len(queued) != n {
			t.Fatalf("%d messages queued, want %d", len(queued), n)
		}
		w := e.worker(e.store, sink.Addr, 100, func(o *imip.Options) { o.MaxRecipients = 5 })
		if got := runOnce(t, w); got != n {
			t.Fatalf("claimed %d, want %d", got, n)
		}
		msgs := sink.Messages(t)
		// 12 recipients, 5 to a mail: 3 mails, p03 refused at RCPT.
		if len(msgs) != 3 {
			t.Fatalf("the relay got %d mails for %d recipients, want 3", len(msgs), n)
		}
		var delivered []string
		size := 0
		for _, m := range msgs {
			delivered = append(delivered, m.To...)
			size += len(m.Data)
			msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
			if err != nil {
				t.Fatal(err)
			}
			to, err := msg.Header.AddressList("To")
			if err != nil || len(to) != 5 && len(to) != 2 {
				t.Fatalf("To of a mail: %v, %v", to, err)
			}
		}
		sort.Strings(delivered)
		want := slices.DeleteFunc(slices.Clone(rcpts), func(r string) bool { return r == "p03@elsewhere.example" })
		if !slices.Equal(delivered, want) {
			t.Fatalf("delivered to %v, want %v", delivered, want)
		}
		// Three mails of the one text, not twelve.
		if one := len(msgs[0].Data); size > 4*one {
			t.Fatalf("%d bytes reached the relay, the size of %d mails", size, size/one)
		}
		got := map[string]string{}
		for _, m := range e.messages("") {
			got[m.Recipient] = m.Status
		}
		for _, r := range rcpts {
			wantStatus := backend.MessageSent
			if r == "p03@elsewhere.example" {
				wantStatus = backend.MessageFailed
			}
			if got["mailto:"+r] != wantStatus {
				t.Errorf("%s: %s, want %s", r, got["mailto:"+r], wantStatus)
			}
		}
		after, _ := e.object("alice", "big.ics")
		if s := scheduleStatus(t, after.Data, "ATTENDEE", "p03@elsewhere.example"); s != "5.1" {
			t.Fatalf("p03's SCHEDULE-STATUS %q, want 5.1", s)
		}
		if s := scheduleStatus(t, after.Data, "ATTENDEE", "p04@elsewhere.example"); s != "1.1" {
			t.Fatalf("p04's SCHEDULE-STATUS %q, want 1.1", s)
		}
	})
}
