package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/internal/testenv"
)

// RFC 6047 (iMIP) black-box test: kalends serve with an SMTP relay (a
// real SMTP server, aiosmtpd, on loopback) mails alice's invitation to a
// person outside the server, and shows a refused recipient as
// SCHEDULE-STATUS 5.1 in alice's copy read back over CalDAV.

// TestIMIPInvitation: dave@elsewhere.example gets the iMIP REQUEST;
// erin@elsewhere.example, whose server answers 550, ends with
// SCHEDULE-STATUS 5.1 in alice's copy, the Schedule-Tag unchanged, and
// `kalends mail list --status failed` names her.
func TestIMIPInvitation(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			sink := testenv.StartSMTPSink(t, testenv.SinkOptions{Reject: []string{"erin@elsewhere.example"}})
			db := testenv.SQLitePath(t)
			if store == "postgres" {
				db = testenv.PostgresDB(t)
			}
			srv := startServer(t, store, db, "--smtp-addr", sink.Addr, "--smtp-from", "Kalends <calendar@kalends.example>",
				"--smtp-helo", "kalends.test", "--smtp-poll", "100ms")
			path := calendarPath("alice", "calendar") + "imip-1.ics"
			ics := icsEvent("imip-1", "DTSTART;TZID=Europe/Berlin:20270104T100000", "DTEND;TZID=Europe/Berlin:20270104T110000",
				"SUMMARY:Team meeting", "ORGANIZER;CN=Alice:mailto:alice@example.com",
				"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:dave@elsewhere.example",
				"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:erin@elsewhere.example")
			put := srv.putICS(t, "alice", path, ics, nil).expect(t, http.StatusCreated)
			tag := put.Header.Get("Schedule-Tag")
			if tag == "" {
				t.Fatal("PUT of a scheduling object returned no Schedule-Tag")
			}

			msgs := sink.WaitMessages(t, 1, 30*time.Second)
			m := msgs[0]
			if len(m.To) != 1 || m.To[0] != "dave@elsewhere.example" || m.From != "calendar@kalends.example" {
				t.Fatalf("envelope: from %q to %v", m.From, m.To)
			}
			calData := imipCalendarPart(t, m.Data, "REQUEST")
			for _, want := range []string{"METHOD:REQUEST", "UID:imip-1", "mailto:dave@elsewhere.example"} {
				if !strings.Contains(calData, want) {
					t.Errorf("the iMIP REQUEST lacks %q:\n%s", want, calData)
				}
			}

			// The failure reaches alice's copy: poll it over CalDAV.
			var body string
			deadline := time.Now().Add(30 * time.Second)
			for {
				get := srv.do(t, request{method: http.MethodGet, path: path, user: "alice"}).expect(t, http.StatusOK)
				body = string(get.Body)
				if attendeeStatus(body, "erin@elsewhere.example") == "5.1" {
					if got := get.Header.Get("Schedule-Tag"); got != tag {
						t.Fatalf("Schedule-Tag %s became %s; only SCHEDULE-STATUS changed (RFC 6638 §3.2.10)", tag, got)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("erin's SCHEDULE-STATUS never became 5.1:\n%s", body)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if s := attendeeStatus(body, "dave@elsewhere.example"); s != "1.1" {
				t.Fatalf("dave's SCHEDULE-STATUS is %q, want 1.1 (sent)", s)
			}
			if n := len(sink.Messages(t)); n != 1 {
				t.Fatalf("the relay got %d mails, want 1", n)
			}

			ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, kalendsBin, "mail", "list", "--status", "failed", "--database", db)
			cmd.Env = kalendsEnv()
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "erin@elsewhere.example") || !strings.Contains(string(out), "550") ||
				strings.Contains(string(out), "dave@") {
				t.Fatalf("kalends mail list --status failed: %v\n%s", err, out)
			}
		})
	}
}

// imipCalendarPart returns the decoded text/calendar alternative of an
// iMIP mail, checking its method parameter.
func imipCalendarPart(t *testing.T, raw []byte, method string) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mixed := multipart.NewReader(msg.Body, params["boundary"])
	alt, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ = mime.ParseMediaType(alt.Header.Get("Content-Type"))
	parts := multipart.NewReader(alt, params["boundary"])
	for {
		p, err := parts.NextPart()
		if err != nil {
			t.Fatalf("no text/calendar part: %v", err)
		}
		mt, ps, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if mt != "text/calendar" {
			continue
		}
		if ps["method"] != method || ps["charset"] != "utf-8" {
			t.Fatalf("text/calendar parameters %v", ps)
		}
		b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

// attendeeStatus is the SCHEDULE-STATUS of the ATTENDEE with that
// address in iCalendar text, "" when it has none.
func attendeeStatus(ics, addr string) string {
	unfolded := strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(ics)
	for _, line := range strings.Split(unfolded, "\r\n") {
		if !strings.HasPrefix(line, "ATTENDEE") || !strings.HasSuffix(strings.ToLower(line), ":mailto:"+addr) {
			continue
		}
		for _, p := range strings.Split(line[:strings.LastIndex(strings.ToLower(line), ":mailto:")], ";") {
			if v, ok := strings.CutPrefix(p, "SCHEDULE-STATUS="); ok {
				return v
			}
		}
	}
	return ""
}
