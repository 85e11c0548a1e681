package imip

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

const berlinRequest = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//test//EN\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:team-1\r\nDTSTAMP:20261201T090000Z\r\nDTSTART;TZID=Europe/Berlin:20270104T100000\r\n" +
	"DTEND;TZID=Europe/Berlin:20270104T110000\r\nSUMMARY:Team meeting\r\nLOCATION:Room 1\r\nSEQUENCE:0\r\n" +
	"ORGANIZER;CN=Alice Example:mailto:alice@example.com\r\n" +
	"ATTENDEE;CN=Dave Doe;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:dave@elsewhere.example\r\n" +
	"END:VEVENT\r\nEND:VCALENDAR\r\n"

var testSender = Sender{From: mail.Address{Name: "Kalends", Address: "calendar@kalends.example"}}

// parsed is a built mail read back with net/mail and mime/multipart.
type parsed struct {
	header            mail.Header
	text              string
	calendar, attach  []byte
	calType, attachCT string
	attachDisposition string
}

func parseMail(t *testing.T, raw []byte) *parsed {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d has %d characters (RFC 5322 §2.1.1 says 78)", i+1, len(line))
		}
	}
	for i, c := range raw {
		if c >= 0x80 {
			t.Fatalf("8-bit byte %#x at %d: the mail would not survive a 7-bit transport", c, i)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	p := &parsed{header: msg.Header}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mixed := multipart.NewReader(msg.Body, params["boundary"])
	alt, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ = mime.ParseMediaType(alt.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("first part is %q, want multipart/alternative", mt)
	}
	ar := multipart.NewReader(alt, params["boundary"])
	textPart, err := ar.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct := textPart.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Fatalf("text part Content-Type %q", ct)
	}
	// multipart.Reader decodes quoted-printable itself.
	text, _ := io.ReadAll(textPart)
	if bytes.Contains(bytes.ReplaceAll(text, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("the text part has bare LF line ends")
	}
	p.text = strings.ReplaceAll(string(text), "\r\n", "\n")
	calPart, err := ar.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	p.calType = calPart.Header.Get("Content-Type")
	p.calendar = decodeBase64(t, calPart)
	if _, err := ar.NextPart(); err != io.EOF {
		t.Fatalf("more than two alternatives: %v", err)
	}
	att, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	p.attachCT, p.attachDisposition = att.Header.Get("Content-Type"), att.Header.Get("Content-Disposition")
	p.attach = decodeBase64(t, att)
	if _, err := mixed.NextPart(); err != io.EOF {
		t.Fatalf("more than two parts: %v", err)
	}
	return p
}

func decodeBase64(t *testing.T, p *multipart.Part) []byte {
	t.Helper()
	if cte := p.Header.Get("Content-Transfer-Encoding"); cte != "base64" {
		t.Fatalf("%s part is %q, want base64", p.Header.Get("Content-Type"), cte)
	}
	b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func build(t *testing.T, method, data, rcpt string) *parsed {
	t.Helper()
	m := &backend.OutboundMessage{ID: 7, Originator: "mailto:alice@example.com", Recipient: rcpt, Method: method,
		UID: "team-1", Data: []byte(data)}
	if method == "REPLY" {
		m.Originator = "mailto:bob@example.com"
	}
	raw, err := Build(m, testSender, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return parseMail(t, raw)
}

func decodedSubject(t *testing.T, h mail.Header) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBuildRequest: an invitation read back part by part, every header
// and part as RFC 6047 wants, the iCalendar byte for byte as queued.
func TestBuildRequest(t *testing.T) {
	p := build(t, "REQUEST", berlinRequest, "mailto:dave@elsewhere.example")
	h := p.header
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "calendar@kalends.example" || from[0].Name != "Alice Example via Kalends" {
		t.Fatalf("From = %v, %v", from, err)
	}
	reply, err := h.AddressList("Reply-To")
	if err != nil || len(reply) != 1 || reply[0].Address != "alice@example.com" || reply[0].Name != "Alice Example" {
		t.Fatalf("Reply-To = %v, %v", reply, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "dave@elsewhere.example" || to[0].Name != "Dave Doe" {
		t.Fatalf("To = %v, %v", to, err)
	}
	if s := decodedSubject(t, h); s != "Invitation: Team meeting @ Mon 4 Jan 2027 10:00 (CET)" {
		t.Fatalf("Subject = %q", s)
	}
	if d, err := h.Date(); err != nil || !d.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("Date = %v, %v", d, err)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[a-z0-9]{20,}@kalends\.example>$`).MatchString(id) {
		t.Fatalf("Message-ID = %q", id)
	}
	if h.Get("MIME-Version") != "1.0" {
		t.Fatalf("MIME-Version = %q", h.Get("MIME-Version"))
	}
	mt, params, err := mime.ParseMediaType(p.calType)
	if err != nil || mt != "text/calendar" || params["method"] != "REQUEST" || params["charset"] != "utf-8" {
		t.Fatalf("calendar part Content-Type %q", p.calType)
	}
	if string(p.calendar) != berlinRequest || string(p.attach) != berlinRequest {
		t.Fatal("the calendar data does not decode to the queued bytes")
	}
	if mt, params, _ := mime.ParseMediaType(p.attachCT); mt != "application/ics" || params["name"] != "invite.ics" {
		t.Fatalf("attachment Content-Type %q", p.attachCT)
	}
	if d, params, _ := mime.ParseMediaType(p.attachDisposition); d != "attachment" || params["filename"] != "invite.ics" {
		t.Fatalf("attachment Content-Disposition %q", p.attachDisposition)
	}
	for _, want := range []string{
		"Alice Example has invited you to \u201cTeam meeting\u201d.",
		"When:      Mon 4 Jan 2027 10:00–11:00 (CET, Europe/Berlin)",
		"Where:     Room 1",
		"Organizer: Alice Example <alice@example.com>",
	} {
		if !strings.Contains(p.text, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.text)
		}
	}
}

// TestBuildMethods: what the Subject and the text say for an update, a
// cancellation and a reply, with non-ASCII text, all-day and UTC times,
// and calendar data with bare LF line ends kept as they are.
func TestBuildMethods(t *testing.T) {
	tests := []struct {
		name, method, data, subject, text, calType string
	}{
		{"update", "REQUEST", strings.Replace(berlinRequest, "SEQUENCE:0", "SEQUENCE:2", 1),
			"Updated invitation: Team meeting @ Mon 4 Jan 2027 10:00 (CET)", "Alice Example has updated \u201cTeam meeting\u201d.", "REQUEST"},
		{"cancel, summer time, non-ASCII", "CANCEL",
			strings.NewReplacer("METHOD:REQUEST", "METHOD:CANCEL", "20270104T1", "20270705T1", "Team meeting", "Café für Straße").Replace(berlinRequest),
			"Cancelled: Café für Straße @ Mon 5 Jul 2027 10:00 (CEST)", "Alice Example has cancelled \u201cCafé für Straße\u201d.", "CANCEL"},
		{"reply, UTC, LF only", "REPLY",
			"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:team-1\nDTSTAMP:20261201T090000Z\n" +
				"DTSTART:20270104T090000Z\nSUMMARY:Budget\nORGANIZER:mailto:olga@elsewhere.example\n" +
				"ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com\nEND:VEVENT\nEND:VCALENDAR\n",
			"Accepted: Budget (Bob) @ Mon 4 Jan 2027 09:00 (UTC)", "Bob has accepted \u201cBudget\u201d.", "REPLY"},
		{"all-day occurrence", "REQUEST",
			"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:team-1\r\nDTSTAMP:20261201T090000Z\r\n" +
				"RECURRENCE-ID;VALUE=DATE:20270104\r\nDTSTART;VALUE=DATE:20270105\r\nDTEND;VALUE=DATE:20270107\r\nSUMMARY:Offsite\r\n" +
				"ORGANIZER:mailto:alice@example.com\r\nATTENDEE:mailto:dave@elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			"Invitation: Offsite @ Tue 5 Jan 2027", "alice@example.com has invited you to an occurrence of \u201cOffsite\u201d.", "REQUEST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rcpt := "mailto:dave@elsewhere.example"
			if tc.method == "REPLY" {
				rcpt = "mailto:olga@elsewhere.example"
			}
			p := build(t, tc.method, tc.data, rcpt)
			if s := decodedSubject(t, p.header); s != tc.subject {
				t.Errorf("Subject = %q, want %q", s, tc.subject)
			}
			if !strings.Contains(p.text, tc.text) {
				t.Errorf("text lacks %q:\n%s", tc.text, p.text)
			}
			if _, params, _ := mime.ParseMediaType(p.calType); params["method"] != tc.calType {
				t.Errorf("method parameter %q, want %q", params["method"], tc.calType)
			}
			if string(p.calendar) != tc.data || string(p.attach) != tc.data {
				t.Error("the calendar data does not decode to the queued bytes")
			}
		})
	}
	p := build(t, "REQUEST", strings.Replace(berlinRequest, "\r\nDTEND;TZID=Europe/Berlin:20270104T110000", "", 1),
		"mailto:dave@elsewhere.example")
	if !strings.Contains(p.text, "When:      Mon 4 Jan 2027 10:00 (CET, Europe/Berlin)\n") {
		t.Errorf("event without an end:\n%s", p.text)
	}
}

// TestBuildRefuses: messages that cannot be mailed are errors, which the
// worker treats as permanent failures.
func TestBuildRefuses(t *testing.T) {
	for name, m := range map[string]*backend.OutboundMessage{
		"not an address": {Recipient: "urn:uuid:1234", Method: "REQUEST", Data: []byte(berlinRequest)},
		"no component":   {Recipient: "mailto:d@elsewhere.example", Method: "REQUEST", Data: []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n")},
		"not iCalendar":  {Recipient: "mailto:d@elsewhere.example", Method: "REQUEST", Data: []byte("hello")},
	} {
		if _, err := Build(m, testSender, time.Now()); err == nil {
			t.Errorf("%s: built", name)
		} else if !Permanent(&buildError{err}) {
			t.Errorf("%s: not permanent", name)
		}
	}
}
