package caldav

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/internal/testenv"
)

// feedBenchEvents is the size of the benchmarked calendar.
const feedBenchEvents = 500

// benchFeedServer is a server whose alice has feedBenchEvents events (a
// tenth of them private, a tenth weekly series) and one feed; it returns
// the server's URL and the feed's path.
func benchFeedServer(b *testing.B) (string, string) {
	b.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, testenv.SQLitePath(b))
	if err != nil {
		b.Fatal(err)
	}
	hash, _ := backend.HashPassword("pw-alice")
	alice := &backend.Principal{Kind: backend.KindUser, Name: "alice", Emails: []string{"alice@example.com"}}
	if err := s.CreatePrincipal(ctx, alice, hash); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(s, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	b.Cleanup(func() { srv.Close(); s.Close() })
	for i := 0; i < feedBenchEvents; i++ {
		extra := ""
		if i%10 == 0 {
			extra += "CLASS:PRIVATE\r\nDESCRIPTION:secret\r\n"
		}
		if i%10 == 1 {
			extra += "RRULE:FREQ=WEEKLY;COUNT=20\r\n"
		}
		body := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//bench//EN\r\nBEGIN:VEVENT\r\nUID:e%d\r\n"+
			"DTSTAMP:20260101T000000Z\r\nDTSTART:2026%02d%02dT%02d0000Z\r\nDURATION:PT1H\r\nSUMMARY:Event %d\r\n%s"+
			"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			i, 1+i%12, 1+i%28, 8+i%10, i, extra)
		req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/dav/calendars/users/alice/calendar/e%d.ics", srv.URL, i), strings.NewReader(body))
		req.SetBasicAuth("alice", "pw-alice")
		req.Header.Set("Content-Type", "text/calendar")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusCreated {
			b.Fatalf("PUT %d: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}
	cal, err := s.Calendar(ctx, alice.ID, "calendar")
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := backend.NewFeedToken()
	if err := s.CreateFeed(ctx, &backend.Feed{CalendarID: cal.ID, Token: tok}); err != nil {
		b.Fatal(err)
	}
	return srv.URL, calendar.FeedPath(tok)
}

func benchGet(b *testing.B, url string, want int, headers ...string) {
	b.Helper()
	var n int64
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		for j := 0; j+1 < len(headers); j += 2 {
			req.Header.Set(headers[j], headers[j+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		m, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
		n += m
	}
	b.ReportMetric(float64(n)/float64(b.N), "resp-bytes/op")
}

// BenchmarkFeed measures a subscriber's GET of a 500-event feed: a full
// export, the same gzipped, and the 304 that If-None-Match gets without
// an export.
func BenchmarkFeed(b *testing.B) {
	base, path := benchFeedServer(b)
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	b.Run("full", func(b *testing.B) { benchGet(b, base+path, http.StatusOK, "Accept-Encoding", "identity") })
	b.Run("gzip", func(b *testing.B) { benchGet(b, base+path, http.StatusOK, "Accept-Encoding", "gzip") })
	b.Run("bounded-month", func(b *testing.B) {
		benchGet(b, base+path+"?from=2026-03-01&to=2026-04-01", http.StatusOK, "Accept-Encoding", "identity")
	})
	b.Run("if-none-match-304", func(b *testing.B) {
		benchGet(b, base+path, http.StatusNotModified, "Accept-Encoding", "identity", "If-None-Match", etag)
	})
}

// BenchmarkFeedNotFound measures the 404 of tokens that are not a feed's:
// a random one, one differing from a real token in its last character,
// and a malformed one. Each is one hash and one index lookup.
func BenchmarkFeedNotFound(b *testing.B) {
	base, path := benchFeedServer(b)
	unknown, _ := backend.NewFeedToken()
	near := []byte(path)
	near[len(near)-len(".ics")-1] ^= 1
	for name, p := range map[string]string{"unknown": calendar.FeedPath(unknown), "near-miss": string(near), "malformed": "/feeds/x"} {
		b.Run(name, func(b *testing.B) { benchGet(b, base+p, http.StatusNotFound) })
	}
}
