package imip

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// Sender is who the mail comes from.
type Sender struct {
	// From is the server's own mailbox: the From header and the envelope
	// sender (bounces come back to it). Mail must come from an address the
	// relay and the recipient's domain accept for this server (SPF,
	// DMARC), not from the organizer's, which may be anywhere.
	From mail.Address
	// Product names the server in From ("Alice Example via Kalends").
	Product string
}

// Build makes the iMIP mail (RFC 6047) of a queued iTIP message:
//
//	multipart/mixed
//	  multipart/alternative
//	    text/plain; charset=utf-8        what the message means, for people
//	    text/calendar; method=…; charset=utf-8   the iTIP message itself
//	  application/ics; name=invite.ics   the same bytes as an attachment
//
// The attachment is what many servers send too (Google Calendar,
// Nextcloud): mail clients that do not act on text/calendar (webmail,
// some phone clients) show it as a file the user can open or import.
// Both calendar parts are base64, which survives any 7-bit transport and
// decodes to exactly the queued bytes; the text is quoted-printable.
//
// The organizer (or the replying attendee) is the author in spirit but
// not the transmitter: From is the server's mailbox with the sender's
// name, Reply-To the sender's address, so a person's answer by mail goes
// to them (RFC 6047 §3, RFC 5322 §3.6.2).
func Build(m *backend.OutboundMessage, s Sender, now time.Time) ([]byte, error) {
	return BuildTo(m, []string{m.Recipient}, s, now)
}

// BuildTo is Build for several recipients of the same message (RFC 6047
// §2.2 lets one mail carry an iTIP message to several): To names them
// all, each with the CN the message gives it.
func BuildTo(m *backend.OutboundMessage, recipients []string, s Sender, now time.Time) ([]byte, error) {
	to := make([]*mail.Address, len(recipients))
	for i, r := range recipients {
		a, err := mail.ParseAddress(address(r))
		if err != nil {
			return nil, fmt.Errorf("imip: recipient %q is not a mail address: %w", r, err)
		}
		to[i] = a
	}
	cal, err := ical.Parse(m.Data)
	if err != nil {
		return nil, fmt.Errorf("imip: message %d: %w", m.ID, err)
	}
	ev, err := describe(cal)
	if err != nil {
		return nil, err
	}
	if ev.Method == "" {
		ev.Method = strings.ToUpper(m.Method)
	}
	author := &party{Email: address(m.Originator)}
	if a := ev.Organizer; ev.Method != "REPLY" && a != nil && strings.EqualFold(a.Email, author.Email) {
		author = a
	} else if r := ev.Replier; ev.Method == "REPLY" && r != nil {
		author = r
	}
	names := recipientNames(cal)
	list := make([]string, len(to))
	for i, a := range to {
		if name := names[strings.ToLower(a.Address)]; name != "" {
			a.Name = name
		}
		list[i] = a.String()
	}

	var b bytes.Buffer
	from := s.From
	if author.Name != "" {
		from.Name = author.Name + " via " + productName(s)
	} else if from.Name == "" {
		from.Name = productName(s)
	}
	header(&b, "From", from.String())
	if reply, err := mail.ParseAddress(author.Email); err == nil {
		reply.Name = author.Name
		header(&b, "Reply-To", reply.String())
	}
	header(&b, "To", strings.Join(list, ", "))
	header(&b, "Subject", mime.QEncoding.Encode("utf-8", subject(ev)))
	header(&b, "Date", now.Format(time.RFC1123Z))
	header(&b, "Message-ID", messageID(s.From.Address))
	header(&b, "MIME-Version", "1.0")
	mixed := multipart.NewWriter(&b)
	header(&b, "Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	b.WriteString("\r\n")

	boundary := multipart.NewWriter(io.Discard).Boundary()
	altPart, err := mixed.CreatePart(textproto.MIMEHeader{
		"Content-Type": {strings.TrimPrefix(headerValue(len("Content-Type:"),
			mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary})), " ")}})
	if err != nil {
		return nil, err
	}
	alt := multipart.NewWriter(altPart)
	if err := alt.SetBoundary(boundary); err != nil {
		return nil, err
	}
	if err := textPart(alt, body(ev)); err != nil {
		return nil, err
	}
	method := strings.ToUpper(ev.Method)
	if err := base64Part(alt, textproto.MIMEHeader{"Content-Type": {mime.FormatMediaType("text/calendar",
		map[string]string{"method": method, "charset": "utf-8"})}}, m.Data); err != nil {
		return nil, err
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	if err := base64Part(mixed, textproto.MIMEHeader{
		"Content-Type":        {mime.FormatMediaType("application/ics", map[string]string{"name": "invite.ics"})},
		"Content-Disposition": {mime.FormatMediaType("attachment", map[string]string{"filename": "invite.ics"})},
	}, m.Data); err != nil {
		return nil, err
	}
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func productName(s Sender) string {
	if s.Product != "" {
		return s.Product
	}
	return "Kalends"
}

// header writes one header field, folded (headerValue).
func header(b *bytes.Buffer, name, value string) {
	b.WriteString(name + ":" + headerValue(len(name)+1, value) + "\r\n")
}

// maxLine is the line length RFC 5322 §2.1.1 asks mail to keep to.
const maxLine = 78

// headerValue folds a header value (after a name of used octets) at its
// spaces and after "; " so that lines keep within maxLine, as RFC 5322
// §2.2.3 allows; a word longer than a line stays whole. Line breaks in
// the value itself become spaces: a value cannot inject a header.
func headerValue(used int, value string) string {
	value = strings.NewReplacer("\r", " ", "\n", " ").Replace(value)
	var b strings.Builder
	n := used
	for i, w := range strings.Split(value, " ") {
		if i > 0 && w == "" {
			continue
		}
		if n+1+len(w) > maxLine && n > 1 {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteString(" " + w)
		n += 1 + len(w)
	}
	return b.String()
}

// messageID is a unique Message-ID (RFC 5322 §3.6.4) on the domain of
// the server's address.
func messageID(from string) string {
	domain := "kalends.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	return "<" + strings.ToLower(rand.Text()) + "@" + domain + ">"
}

func textPart(w *multipart.Writer, text string) error {
	p, err := w.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(p)
	if _, err := qp.Write([]byte(text)); err != nil {
		return err
	}
	return qp.Close()
}

// base64Part writes data base64-encoded in lines of 76 characters (RFC
// 2045 §6.8).
func base64Part(w *multipart.Writer, h textproto.MIMEHeader, data []byte) error {
	h.Set("Content-Transfer-Encoding", "base64")
	p, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		if _, err := p.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = p.Write([]byte(enc + "\r\n"))
	return err
}

// recipientNames maps each address of the message (lower case, without
// mailto:) to the first CN it is given, read once for all recipients.
func recipientNames(cal *goical.Calendar) map[string]string {
	names := map[string]string{}
	for _, c := range cal.Children {
		for _, name := range []string{"ATTENDEE", "ORGANIZER"} {
			for _, p := range c.Props[name] {
				key := strings.ToLower(address(p.Value))
				if cn := p.Params.Get("CN"); cn != "" && names[key] == "" {
					names[key] = oneLine(cn)
				}
			}
		}
	}
	return names
}
