package caldav

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

// feedsRoot is where subscription feeds live: /feeds/TOKEN.ics. They are
// served without authentication: the token is the key.
const feedsRoot = calendar.FeedsRoot

// feedRefresh is how often subscribers are asked to refresh, written as
// REFRESH-INTERVAL (RFC 7986 §5.7) and X-PUBLISHED-TTL (Outlook's name).
const feedRefresh = "PT1H"

// feedMaxAge is the Cache-Control max-age of a feed, in seconds: short, so
// that a change shows within minutes for clients that honour it, and
// private, so that no shared cache keeps a secret URL's answer.
const feedMaxAge = 300

// feedNotFound is the whole answer for any token that is not a live feed's:
// unknown, revoked, malformed or of a deleted calendar alike.
const feedNotFound = "no such feed\n"

// serveFeed answers GET and HEAD of /feeds/TOKEN.ics with the feed's
// calendar as one VCALENDAR.
func (h *Handler) serveFeed(w http.ResponseWriter, r *http.Request) {
	// The token is a secret: logs show where it was, not what it was.
	setLogPath(r, feedsRoot+"[token]")
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	if err := h.feed(w, r); err != nil {
		h.writeError(w, r, err)
	}
}

func (h *Handler) feed(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return errorf(http.StatusMethodNotAllowed, "a feed is read-only: only GET and HEAD are allowed")
	}
	f, cal, err := h.lookupFeed(r)
	if errors.Is(err, backend.ErrNotFound) {
		setLogError(r, "no such feed")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(feedNotFound))
		return nil
	}
	if err != nil {
		return err
	}
	q, err := parseFeedQuery(r.URL.RawQuery, f.Private)
	if err != nil {
		return err
	}
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	etag := feedETag(cal, q, gz)
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("Cache-Control", "private, max-age="+strconv.Itoa(feedMaxAge))
	// If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2), and
	// needs no export: answer 304 before reading the calendar.
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagListMatchesWeak(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	props := []string{"REFRESH-INTERVAL;VALUE=DURATION:" + feedRefresh, "X-PUBLISHED-TTL:" + feedRefresh}
	if cal.DisplayName != "" {
		// RFC 7986 §5.1, beside the X-WR-CALNAME that Export writes for
		// the clients that predate it.
		props = append(props, "NAME:"+ical.EscapeText(cal.DisplayName))
	}
	var body bytes.Buffer
	last, err := h.svc.Export(r.Context(), &body, cal, calendar.ExportOptions{
		From: q.from, To: q.to,
		Object:     calendar.FeedObject(q.private),
		Properties: props,
	})
	if err != nil {
		return err
	}
	data := body.Bytes()
	if gz {
		data, err = gzipBytes(data)
		if err != nil {
			return err
		}
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("Content-Type", "text/calendar; charset=utf-8")
	// ServeContent answers If-Modified-Since, Range and HEAD.
	http.ServeContent(w, r, "", last, bytes.NewReader(data))
	return nil
}

// lookupFeed finds the feed and calendar of the request's token. Every
// request takes the same path, hashing and looking up whatever follows
// /feeds/, so that unknown, malformed and revoked tokens cannot be told
// apart; all are ErrNotFound.
func (h *Handler) lookupFeed(r *http.Request) (*backend.Feed, *backend.Calendar, error) {
	rest := strings.TrimPrefix(h.davPath(r), feedsRoot)
	token, ics := strings.CutSuffix(rest, ".ics")
	f, err := h.store.FeedByToken(r.Context(), token)
	if err != nil {
		return nil, nil, err
	}
	if !ics {
		return nil, nil, backend.ErrNotFound
	}
	cal, err := h.store.Calendar(r.Context(), f.PrincipalID, f.CalendarURI)
	if err != nil {
		return nil, nil, err
	}
	return f, cal, nil
}

// feedQuery is what the query parameters of a feed request choose.
type feedQuery struct {
	from, to time.Time
	private  backend.FeedPrivacy
}

// parseFeedQuery reads ?from=, ?to= and ?private=. Parameters it does not
// know (cache busters some clients add) are ignored. private may only be
// stricter than the owner's default (full < busy < omit).
func parseFeedQuery(raw string, def backend.FeedPrivacy) (*feedQuery, error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "malformed query string: %v", err)
	}
	q := &feedQuery{private: def}
	for _, b := range []struct {
		name string
		t    *time.Time
	}{{"from", &q.from}, {"to", &q.to}} {
		v := vals.Get(b.name)
		if v == "" {
			continue
		}
		if *b.t, err = parseFeedTime(v); err != nil {
			return nil, errorf(http.StatusBadRequest, "%s=%q: %v", b.name, v, err)
		}
	}
	if !q.from.IsZero() && !q.to.IsZero() && !q.from.Before(q.to) {
		return nil, errorf(http.StatusBadRequest, "from must be before to")
	}
	if v := vals.Get("private"); v != "" {
		p, err := backend.ParseFeedPrivacy(v)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "private=%q: want full, busy or omit", v)
		}
		if def.Stricter(p) {
			return nil, errorf(http.StatusForbidden, "private=%s: this feed shows private events at most as %s", v, def)
		}
		q.private = p
	}
	return q, nil
}

// parseFeedTime accepts an RFC 3339 time, an iCalendar UTC date-time
// (20261201T000000Z) or a date (2026-12-01 or 20261201, midnight UTC).
func parseFeedTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "20060102T150405Z", "2006-01-02", "20060102"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: use RFC 3339 (2026-12-01T00:00:00Z), 20261201T000000Z or 2026-12-01")
}

// feedETag is a strong validator of a feed's representation: it changes
// with the calendar's ctag (any member change), its properties (its name
// is in the feed), what the query selects and the content coding (RFC
// 9110 §8.8.3: a strong validator differs between codings).
func feedETag(cal *backend.Calendar, q *feedQuery, gz bool) string {
	key := fmt.Sprintf("%s|%d|%s|%d|%d", ctag(cal), cal.ModifiedAt.Unix(), q.private, q.from.Unix(), q.to.Unix())
	sum := sha256.Sum256([]byte(key))
	tag := base64.RawURLEncoding.EncodeToString(sum[:18])
	if gz {
		tag += "-gzip"
	}
	return `"` + tag + `"`
}

// etagListMatchesWeak is the weak comparison If-None-Match uses (RFC 9110
// §13.1.2): a W/ prefix is ignored.
func etagListMatchesWeak(list, current string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == current {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header (RFC 9110 §12.5.3)
// allows gzip: named (or x-gzip) with a non-zero weight, or covered by "*"
// without being refused by name.
func acceptsGzip(header string) bool {
	star, named := false, false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		ok := true
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if w, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil || w <= 0 {
					ok = false
				}
			}
		}
		switch coding {
		case "gzip", "x-gzip":
			if !ok {
				return false
			}
			named = true
		case "*":
			star = ok
		}
	}
	return named || star
}

// gzipBytes compresses data with gzip (RFC 1952).
func gzipBytes(data []byte) ([]byte, error) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
