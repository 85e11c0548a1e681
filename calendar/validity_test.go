package calendar_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/teststores"
)

// TestPutValidity: on both stores, what no client can read is refused
// with its code and leaves nothing, and a missing DTSTAMP (Thunderbird,
// khal) is stored repaired (issue 11, item 11).
func TestPutValidity(t *testing.T) {
	now := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newFixture(t, open)
		f.svc = calendar.New(f.store, calendar.Options{Now: func() time.Time { return now }})
		c := f.calendar("calendar")
		for _, tc := range []struct {
			name, data string
			code       calendar.Code
		}{
			{"not UTF-8", strings.Replace(event("x", "20260302T100000Z"), "SUMMARY:x", "SUMMARY:\xe9t\xe9", 1), calendar.InvalidData},
			{"P1DT", strings.Replace(event("x", "20260302T100000Z"), "DURATION:PT1H", "DURATION:P1DT", 1), calendar.InvalidData},
			{"unknown zone", strings.Replace(event("x", "20260302T100000Z"), "DTSTART:20260302T100000Z",
				"DTSTART;TZID=Nowhere/Void:20260302T100000", 1), calendar.UnknownTimezone},
		} {
			_, err := f.put(c, "x.ics", tc.data)
			var ce *calendar.Error
			if !errors.As(err, &ce) || ce.Code != tc.code {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.code)
			}
		}
		if objs, err := f.store.ListObjects(context.Background(), c.ID, nil); err != nil || len(objs) != 0 {
			t.Fatalf("refused writes left %d objects (%v)", len(objs), err)
		}
		if _, err := f.put(c, "s.ics", strings.Replace(event("s", "20260302T100000Z"), "DTSTAMP:20260101T000000Z\r\n", "", 1)); err != nil {
			t.Fatal(err)
		}
		o, err := f.store.Object(context.Background(), c.ID, "s.ics")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(o.Data), "UID:s\r\nDTSTAMP:20261208T120000Z\r\n") {
			t.Errorf("stored without the DTSTAMP of the write:\n%s", o.Data)
		}
	})
}
