package caldav

import (
	"net/http"
	"net/url"
	"strings"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// basePath is the path part of the configured base URL ("" for none).
func (h *Handler) basePath() string {
	if h.opts.BaseURL == "" {
		return ""
	}
	u, err := url.Parse(h.opts.BaseURL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// href turns a server path into an encoded href, with the base path.
func (h *Handler) href(path string) string { return dx.EncodeHref(h.basePath() + path) }

// davPath is the request path with the base path removed.
func (h *Handler) davPath(r *http.Request) string {
	p := r.URL.Path
	if b := h.basePath(); b != "" {
		p = strings.TrimPrefix(p, b)
	}
	return p
}
