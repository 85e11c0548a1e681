package davimport

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
)

// BatchSize is the number of hrefs asked for in one calendar-multiget: it
// bounds the memory an import holds at once (that many objects) and the
// size of each answer.
const BatchSize = 100

var nameCalendarData = xml.Name{Space: nsCalDAV, Local: "calendar-data"}

// fetched is one source resource read by calendar-multiget.
type fetched struct {
	Href string
	ETag string
	Data []byte
	Gone bool   // the source answered 404: deleted since it was listed
	Err  string // why there is no data otherwise
}

// multiget reads hrefs of cal by calendar-multiget (RFC 4791 §7.9),
// handing each resource to fn. The iCalendar text is kept as the source
// sent it: go-webdav's MultiGetCalendar would re-encode it through
// go-ical, which reorders properties and refuses some valid objects.
func (s *Source) multiget(ctx context.Context, cal *SourceCalendar, hrefs []string, fn func(*fetched) error) error {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`)
	b.WriteString(`<D:prop><D:getetag/><C:calendar-data/></D:prop>`)
	for _, h := range hrefs {
		b.WriteString("<D:href>" + xmlEscape(h) + "</D:href>")
	}
	b.WriteString(`</C:calendar-multiget>`)
	asked := map[string]bool{}
	for _, h := range hrefs {
		asked[h] = true
	}
	_, err := s.davRequest(ctx, "REPORT", cal.Href, "1", b.String(), func(r *msResponse) error {
		href := canonicalPath(r.Href)
		if !asked[href] {
			return nil
		}
		delete(asked, href)
		f := &fetched{Href: href}
		data := r.prop(nameCalendarData)
		switch {
		case statusCode(r.Status) == http.StatusNotFound:
			f.Gone = true
		case data == nil:
			f.Err = "the source returned no calendar-data for it"
		default:
			f.ETag, _ = r.text(nameGetETag)
			f.Data = crlf(data.Text)
		}
		return fn(f)
	})
	if err != nil {
		return err
	}
	for _, h := range hrefs {
		if asked[h] {
			if err := fn(&fetched{Href: h, Err: "the source left it out of its calendar-multiget answer"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// crlf restores iCalendar's CRLF line ends (RFC 5545 §3.1), which an XML
// parser turns into LF (XML 1.0 §2.11) unless the server escaped the CR.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}
