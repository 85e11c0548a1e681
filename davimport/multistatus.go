package davimport

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// XML namespaces of the properties read from the source.
const (
	nsDAV    = "DAV:"
	nsCalDAV = "urn:ietf:params:xml:ns:caldav"
	nsCS     = "http://calendarserver.org/ns/"
	nsApple  = "http://apple.com/ns/ical/"
)

// element is any XML element of a response, kept as its name, its text
// and its child elements: enough for the few properties read here.
type element struct {
	XMLName  xml.Name
	Text     string    `xml:",chardata"`
	Children []element `xml:",any"`
}

// child returns the first child element named n, or nil.
func (e *element) child(n xml.Name) *element {
	for i := range e.Children {
		if e.Children[i].XMLName == n {
			return &e.Children[i]
		}
	}
	return nil
}

// msResponse is one DAV:response of a multistatus (RFC 4918 §14.24).
type msResponse struct {
	Href      string `xml:"DAV: href"`
	Status    string `xml:"DAV: status"`
	Propstats []struct {
		Status string `xml:"DAV: status"`
		Prop   struct {
			Props []element `xml:",any"`
		} `xml:"DAV: prop"`
	} `xml:"DAV: propstat"`
}

// prop returns the property n when its propstat says 200, else nil.
func (r *msResponse) prop(n xml.Name) *element {
	for i := range r.Propstats {
		ps := &r.Propstats[i]
		if statusCode(ps.Status) != http.StatusOK {
			continue
		}
		for j := range ps.Prop.Props {
			if ps.Prop.Props[j].XMLName == n {
				return &ps.Prop.Props[j]
			}
		}
	}
	return nil
}

// text returns the trimmed text of property n, and whether it is there.
func (r *msResponse) text(n xml.Name) (string, bool) {
	if e := r.prop(n); e != nil {
		return strings.TrimSpace(e.Text), true
	}
	return "", false
}

// statusCode reads the code of an HTTP status line ("HTTP/1.1 404 Not
// Found"), 0 when there is none.
func statusCode(line string) int {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// StatusError is a DAV request the source answered with an unexpected
// status.
type StatusError struct {
	Method, URL string
	Code        int
	Body        string // the start of the answer, for the message
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Code, http.StatusText(e.Code))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// davRequest sends method with an XML body to href and, when the source
// answers 207, streams the DAV:response elements to fn one at a time (so a
// listing of many members is never held as one tree). It returns the
// multistatus' DAV:sync-token, if any (RFC 6578 §6.2).
func (s *Source) davRequest(ctx context.Context, method, href, depth, body string, fn func(*msResponse) error) (string, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.resolve(href), strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return "", &StatusError{Method: method, URL: req.URL.String(), Code: resp.StatusCode, Body: oneLine(string(snippet))}
	}
	return decodeMultistatus(resp.Body, fn)
}

// decodeMultistatus reads a DAV:multistatus, handing each DAV:response to
// fn as soon as it is read.
func decodeMultistatus(r io.Reader, fn func(*msResponse) error) (string, error) {
	dec := xml.NewDecoder(r)
	syncToken, seen := "", false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if !seen {
				return "", errors.New("the answer is not a DAV:multistatus")
			}
			return syncToken, nil
		}
		if err != nil {
			return "", fmt.Errorf("reading the multistatus: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name {
		case xml.Name{Space: nsDAV, Local: "multistatus"}:
			seen = true
		case xml.Name{Space: nsDAV, Local: "response"}:
			var r msResponse
			if err := dec.DecodeElement(&r, &start); err != nil {
				return "", fmt.Errorf("reading the multistatus: %w", err)
			}
			if err := fn(&r); err != nil {
				return "", err
			}
		case xml.Name{Space: nsDAV, Local: "sync-token"}:
			var t string
			if err := dec.DecodeElement(&t, &start); err != nil {
				return "", fmt.Errorf("reading the multistatus: %w", err)
			}
			syncToken = strings.TrimSpace(t)
		}
	}
}

// oneLine squeezes white space so that a server's error text fits a line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// xmlEscape escapes s for XML text.
func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
