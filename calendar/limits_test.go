package calendar_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/teststores"
)

// meeting is alice's meeting with n attendees outside the server, and
// overrideAttendees more on one overridden occurrence (none when 0).
func meeting(uid string, n, overrideAttendees int) string {
	var b strings.Builder
	vevent := func(extra string, from, count int) {
		b.WriteString("BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20260101T000000Z\r\n" + extra +
			"DTSTART:20260302T100000Z\r\nDURATION:PT1H\r\nSUMMARY:All hands\r\nORGANIZER:mailto:alice@example.com\r\n")
		for i := from; i < from+count; i++ {
			fmt.Fprintf(&b, "ATTENDEE;CN=Guest %d;RSVP=TRUE:mailto:guest%d@elsewhere.example\r\n", i, i)
		}
		b.WriteString("END:VEVENT\r\n")
	}
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//calendar test//EN\r\n")
	vevent("RRULE:FREQ=WEEKLY;COUNT=4\r\n", 0, n)
	if overrideAttendees > 0 {
		vevent("RECURRENCE-ID:20260309T100000Z\r\n", 0, overrideAttendees)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

// TestMaxAttendeesPerInstance: an object with more ATTENDEEs in one
// instance than max-attendees-per-instance (RFC 4791 §5.2.9) is refused
// with that precondition before any scheduling: nothing is stored and no
// mail is queued. The 4,000-attendee PUT of the hostile-input test.
func TestMaxAttendeesPerInstance(t *testing.T) {
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newFixture(t, open)
		c := f.calendar("calendar")
		if got := f.svc.MaxAttendees(); got != 1000 {
			t.Fatalf("default max-attendees-per-instance = %d", got)
		}
		for _, tc := range []struct {
			name string
			data string
		}{
			{"4,000 attendees", meeting("huge", 4000, 0)},
			{"one over the limit", meeting("over", 1001, 0)},
			{"an occurrence over the limit", meeting("override", 10, 1001)},
		} {
			_, err := f.put(c, "m.ics", tc.data)
			var ce *calendar.Error
			if !errors.As(err, &ce) || ce.Code != calendar.TooManyAttendees || ce.Code.String() != "max-attendees-per-instance" {
				t.Errorf("%s: %v, want %v", tc.name, err, calendar.TooManyAttendees)
			}
		}
		objs, err := f.store.ListObjects(context.Background(), c.ID, nil)
		if err != nil || len(objs) != 0 {
			t.Errorf("refused writes stored %d objects (%v)", len(objs), err)
		}
		if msgs, err := f.store.OutboundMessages(context.Background(), f.alice.ID); err != nil || len(msgs) != 0 {
			t.Errorf("refused writes queued %d messages (%v)", len(msgs), err)
		}
		// The limit is the service's option.
		small := calendar.New(f.store, calendar.Options{MaxAttendees: 3})
		_, err = small.Put(context.Background(), &calendar.PutRequest{Owner: f.alice, Calendar: c, URI: "m.ics", Data: []byte(meeting("four", 4, 0))})
		if ce := (*calendar.Error)(nil); !errors.As(err, &ce) || ce.Code != calendar.TooManyAttendees {
			t.Errorf("4 attendees with a limit of 3: %v", err)
		}
		if _, err := small.Put(context.Background(), &calendar.PutRequest{Owner: f.alice, Calendar: c, URI: "m.ics", Data: []byte(meeting("three", 3, 0))}); err != nil {
			t.Errorf("3 attendees with a limit of 3: %v", err)
		}
	})
}
