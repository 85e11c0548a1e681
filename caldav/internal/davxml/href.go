package davxml

import (
	"errors"
	"net/url"
	"strings"
)

// EncodeHref returns the href for a server path: each segment is
// percent-encoded (spaces, non-ASCII, '%', '?', '#', ...) while '/' and
// harmless characters such as '@' and ':' are kept.
//
//	EncodeHref("/dav/calendars/jo@example.com/my cal/") == "/dav/calendars/jo@example.com/my%20cal/"
func EncodeHref(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// DecodeHref returns the percent-decoded path of an href, which may be an
// absolute URL (its path is taken) or an absolute or relative path. Query
// and fragment are dropped. Hrefs without a path (such as mailto: URIs)
// and invalid percent-encodings are errors.
func DecodeHref(href string) (string, error) {
	href = strings.TrimSpace(href)
	if href == "" {
		return "", errors.New("davxml: empty href")
	}
	u, err := url.Parse(href)
	if err != nil {
		return "", err
	}
	if u.Opaque != "" {
		return "", errors.New("davxml: href " + href + " has no path")
	}
	if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("davxml: href " + href + " is not an http URL")
	}
	if u.Path == "" {
		if u.Host != "" {
			return "/", nil
		}
		return "", errors.New("davxml: href " + href + " has no path")
	}
	return u.Path, nil
}

// sanitizeHref percent-encodes the characters that can never appear in a
// URI reference (spaces, controls, non-ASCII, and "<>\"\\^`{|}"), leaving
// '%' and reserved characters alone. It is the identity on valid hrefs, so
// it is a safety net for callers that pass a raw path.
func sanitizeHref(h string) string {
	const hex = "0123456789ABCDEF"
	need := false
	for i := 0; i < len(h); i++ {
		if badURIByte(h[i]) {
			need = true
			break
		}
	}
	if !need {
		return h
	}
	var b strings.Builder
	for i := 0; i < len(h); i++ {
		c := h[i]
		if badURIByte(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func badURIByte(c byte) bool {
	if c <= 0x20 || c >= 0x7f {
		return true
	}
	return strings.IndexByte("<>\"\\^`{|}", c) >= 0
}
