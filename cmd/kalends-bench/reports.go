package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kalends/kalends/ical"
)

// caldavNS declares the prefixes the REPORT bodies use.
const caldavNS = `xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"`

// randomWeek returns a week-long window starting at a random midnight (UTC)
// within the year either side of now that the events fill.
func (b *bench) randomWeek(w *worker) (start, end string) {
	s := b.now.Truncate(24*time.Hour).AddDate(0, 0, w.rng.IntN(725)-365)
	const f = "20060102T150405Z"
	return s.Format(f), s.AddDate(0, 0, 7).Format(f)
}

// queryOp asks the calendar at calPath for the events of a random week, as
// a client showing a week view does: ETags only, or the data with
// recurrences expanded (RFC 4791 §9.6.5).
func (b *bench) queryOp(calPath string, expand bool) opFunc {
	return func(ctx context.Context, w *worker) (sample, error) {
		start, end := b.randomWeek(w)
		prop := `<D:getetag/>`
		if expand {
			prop += fmt.Sprintf(`<C:calendar-data><C:expand start="%s" end="%s"/></C:calendar-data>`, start, end)
		}
		body := xmlHeader + `<C:calendar-query ` + caldavNS + `><D:prop>` + prop + `</D:prop>` +
			`<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">` +
			fmt.Sprintf(`<C:time-range start="%s" end="%s"/>`, start, end) +
			`</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`
		return b.multistatus(ctx, "REPORT", calPath, body, "1")
	}
}

// multigetOp fetches 100 random objects in one calendar-multiget, as a
// client does after learning which objects changed.
func (b *bench) multigetOp(ctx context.Context, w *worker) (sample, error) {
	var body strings.Builder
	body.WriteString(xmlHeader + `<C:calendar-multiget ` + caldavNS + `><D:prop><D:getetag/><C:calendar-data/></D:prop>`)
	for _, h := range b.randomHrefs(w, 100) {
		body.WriteString("<D:href>" + h + "</D:href>")
	}
	body.WriteString(`</C:calendar-multiget>`)
	return b.multistatus(ctx, "REPORT", mainCalPath, body.String(), "1")
}

// freeBusyWindow returns the month the free-busy phase asks about: from
// midnight (UTC) 15 days before now, one month long, in the middle of the
// two years the events fill.
func (b *bench) freeBusyWindow() (start, end string) {
	s := b.now.Truncate(24*time.Hour).AddDate(0, 0, -15)
	const f = "20060102T150405Z"
	return s.Format(f), s.AddDate(0, 1, 0).Format(f)
}

// freeBusyOp asks the main calendar when the user is busy over the month
// around now (RFC 4791 §7.10), as a scheduling client does before
// proposing a time. The answer is one VFREEBUSY (200 text/calendar, not a
// multistatus); its items are its FREEBUSY lines.
func (b *bench) freeBusyOp(ctx context.Context, w *worker) (sample, error) {
	start, end := b.freeBusyWindow()
	body := xmlHeader + `<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		fmt.Sprintf(`<C:time-range start="%s" end="%s"/>`, start, end) + `</C:free-busy-query>`
	data, d, err := b.c.do(ctx, "REPORT", mainCalPath, []byte(body), http.StatusOK,
		"Content-Type", "application/xml; charset=utf-8", "Depth", "1")
	if err == nil && !bytes.Contains(data, []byte("BEGIN:VFREEBUSY")) {
		err = fmt.Errorf("REPORT %s: free-busy-query answered 200 without a VFREEBUSY: %.300s", mainCalPath, data)
	}
	return sample{dur: d, bytes: len(data), items: countFreeBusy(data)}, err
}

// countFreeBusy counts the FREEBUSY properties of an iCalendar text.
func countFreeBusy(data []byte) int {
	n := 0
	ical.ParseText(data).Walk(func(c *ical.Comp) bool {
		for _, l := range c.Props() {
			if l.Name() == "FREEBUSY" {
				n++
			}
		}
		return true
	})
	return n
}

// syncBody is a sync-collection REPORT (RFC 6578 §3.2) from token.
func syncBody(token string) string {
	return xmlHeader + `<D:sync-collection xmlns:D="DAV:"><D:sync-token>` + token + `</D:sync-token>` +
		`<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`
}

// syncPhase measures what a syncing client costs: one client changes 10
// objects of the main calendar (not timed), then times a sync-collection
// REPORT from the token of its previous sync, which should report just
// those 10. One client, since the changes of concurrent writers would add
// to each other's syncs.
func (b *bench) syncPhase(ctx context.Context) phaseResult {
	p := phase{name: "sync-collection after 10", workers: 1, max: b.cfg.MaxRequests, duration: b.cfg.Duration,
		note: "1 client; 10 untimed PUTs before each"}
	ctx, cancel := context.WithTimeout(ctx, p.duration)
	defer cancel()
	// The first sync from the current token, untimed, finds out whether the
	// server supports the report at all.
	token, err := b.currentToken(ctx)
	if err == nil {
		var data []byte
		if data, _, err = b.c.do(ctx, "REPORT", mainCalPath, []byte(syncBody(token)), http.StatusMultiStatus,
			"Content-Type", "application/xml; charset=utf-8", "Depth", "0"); err == nil && syncToken(data) != "" {
			token = syncToken(data)
		}
	}
	if err != nil {
		res := phaseResult{Name: p.name, Status: "ok", Workers: 1, Note: p.note, Errors: 1, Requests: 1, FirstError: err.Error()}
		if unsupported(err) {
			res.Status, res.Errors, res.Requests = "unsupported", 0, 0
		}
		return res
	}
	p.op = func(ctx context.Context, w *worker) (sample, error) {
		for _, href := range b.randomHrefs(w, 10) {
			uid := strings.TrimSuffix(path.Base(href), ".ics")
			if _, _, err := b.put(ctx, w, mainCalPath, uid, false); err != nil {
				return sample{}, err
			}
		}
		data, d, err := b.c.do(ctx, "REPORT", mainCalPath, []byte(syncBody(token)), http.StatusMultiStatus,
			"Content-Type", "application/xml; charset=utf-8", "Depth", "0")
		if err != nil {
			return sample{}, err
		}
		next := syncToken(data)
		if next == "" {
			return sample{}, errors.New("sync-collection answer carries no DAV:sync-token")
		}
		token = next
		return sample{dur: d, bytes: len(data), items: countResponses(data)}, nil
	}
	return runPhase(ctx, p)
}

// currentToken returns the main calendar's sync token: its DAV:sync-token
// property, or failing that the token of an initial sync-collection (which
// lists the whole calendar, hence only as a fallback).
func (b *bench) currentToken(ctx context.Context) (string, error) {
	body := xmlHeader + `<D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/></D:prop></D:propfind>`
	data, _, err := b.c.do(ctx, "PROPFIND", mainCalPath, []byte(body), http.StatusMultiStatus,
		"Content-Type", "application/xml; charset=utf-8", "Depth", "0")
	if err == nil {
		if t := syncToken(data); t != "" {
			return t, nil
		}
	}
	data, _, err = b.c.do(ctx, "REPORT", mainCalPath, []byte(syncBody("")), http.StatusMultiStatus,
		"Content-Type", "application/xml; charset=utf-8", "Depth", "0")
	if err != nil {
		return "", err
	}
	if t := syncToken(data); t != "" {
		return t, nil
	}
	return "", errors.New("initial sync-collection answer carries no DAV:sync-token")
}

// syncToken returns the text of the last non-empty DAV:sync-token element
// of a multistatus: the property in a PROPFIND answer, the new token in a
// sync-collection answer. The answers it reads are small.
func syncToken(data []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var token string
	for {
		t, err := dec.Token()
		if err != nil {
			return token
		}
		if se, ok := t.(xml.StartElement); ok && se.Name.Space == "DAV:" && se.Name.Local == "sync-token" {
			var s string
			if dec.DecodeElement(&s, &se) == nil && strings.TrimSpace(s) != "" {
				token = strings.TrimSpace(s)
			}
		}
	}
}
