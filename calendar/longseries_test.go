package calendar_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/teststores"
)

// longSeries are series with more occurrences from DTSTART to the index
// horizon than max-instances: what old calendars imported from Exchange
// or Google hold (issue 11, item 12).
var longSeries = map[string]string{
	// A daily event since 2000 with no end.
	"daily.ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:daily\r\n" +
		"DTSTAMP:20000101T000000Z\r\nDTSTART:20000103T090000Z\r\nDURATION:PT30M\r\nRRULE:FREQ=DAILY\r\n" +
		"EXDATE:20010105T090000Z\r\nSUMMARY:Stand-up\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	// RFC 5545 §3.8.5.3: "every 20 minutes from 9:00 AM to 4:40 PM every day".
	"every20.ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:every20\r\n" +
		"DTSTAMP:19970101T000000Z\r\nDTSTART;TZID=America/New_York:19970902T090000\r\nDURATION:PT10M\r\n" +
		"RRULE:FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40\r\nSUMMARY:Check\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
}

// TestLongSeriesAccepted: long series are stored (max-instances applies to
// the index window, not to the lifetime of the series), and every query
// finds their occurrences before, inside and after the window: time
// ranges, free-busy, export.
func TestLongSeriesAccepted(t *testing.T) {
	now := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	teststores.Each(t, func(t *testing.T, open teststores.Opener) {
		f := newFixture(t, open)
		f.svc = calendar.New(f.store, calendar.Options{Now: func() time.Time { return now }})
		c := f.calendar("calendar")
		for uri, data := range longSeries {
			if _, err := f.put(c, uri, data); err != nil {
				t.Fatalf("PUT %s: %v", uri, err)
			}
			o, err := f.store.Object(context.Background(), c.ID, uri)
			if err != nil {
				t.Fatal(err)
			}
			if from, _ := backend.IndexWindow(now); !o.Index.IndexedFrom.Equal(from) {
				t.Errorf("%s indexed from %v, want the window's start %v", uri, o.Index.IndexedFrom, from)
			}
		}
		ctx := context.Background()
		inRange := func(from, to time.Time) []string {
			t.Helper()
			uris, err := f.svc.ObjectsInRange(ctx, c, "VEVENT", from, to)
			if err != nil {
				t.Fatal(err)
			}
			return uris
		}
		both := []string{"daily.ics", "every20.ics"}
		day := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
		for _, w := range []struct {
			name     string
			from, to time.Time
			want     []string
		}{
			{"2001, before the window", day(2001, 3, 1, 0), day(2001, 3, 2, 0), both},
			{"the EXDATE'd day, before the window", day(2001, 1, 5, 9), day(2001, 1, 5, 9).Add(30 * time.Minute), nil},
			{"2001 between the checks", day(2001, 3, 1, 13).Add(10 * time.Minute), day(2001, 3, 1, 13).Add(20 * time.Minute), nil},
			{"today", day(2026, 12, 8, 0), day(2026, 12, 9, 0), both},
			{"2040, after the window", day(2040, 6, 1, 0), day(2040, 6, 2, 0), both},
		} {
			if got := inRange(w.from, w.to); !reflect.DeepEqual(got, w.want) {
				t.Errorf("%s: %v, want %v", w.name, got, w.want)
			}
		}
		busy, err := f.svc.BusyTime(ctx, []*backend.Calendar{c}, day(2001, 3, 1, 0), day(2001, 3, 2, 0))
		if err != nil {
			t.Fatal(err)
		}
		// 9:00 UTC daily, and 24 ten-minute checks in New York's winter.
		if n := len(busy[c.ID]); n != 25 {
			t.Errorf("busy periods on 2001-03-01: %d, want 25: %v", n, busy[c.ID])
		}
		var out strings.Builder
		if _, err := f.svc.Export(ctx, &out, c, calendar.ExportOptions{From: day(2001, 3, 1, 0), To: day(2001, 3, 2, 0)}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "UID:daily") || !strings.Contains(out.String(), "UID:every20") {
			t.Errorf("export of 2001-03-01 misses a series:\n%s", out.String())
		}
	})
}
