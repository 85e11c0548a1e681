// Package caldav is Kalends' protocol layer: WebDAV (RFC 4918), CalDAV (RFC
// 4791), WebDAV sync (RFC 6578), current-user-principal (RFC 5397), ACL
// properties (RFC 3744), extended MKCOL (RFC 5689), service discovery (RFC
// 6764) and time zones by reference (RFC 7809), on net/http and
// encoding/xml. One file per method or REPORT; properties are a table keyed
// by XML name; every handler returns an error to one sink (errors.go). It
// is HTTP only: every operation that changes calendars is a call to the
// application layer, package calendar.
package caldav

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
)

// Options configure a Handler. Zero values take sensible defaults.
type Options struct {
	Logger     *slog.Logger
	BaseURL    string // public URL prefix when behind a proxy ("" = from the request)
	MaxXMLBody int64  // largest XML request body
	// RequestTimeout bounds the store work of one request.
	RequestTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client, for the login throttle and the logs.
	TrustedProxies []netip.Prefix
	// MaxReportInstances bounds the occurrences one REPORT expands over
	// all its objects (calendar-data expand); 0 means 100,000.
	MaxReportInstances int
}

// Handler serves the CalDAV tree under /dav/, subscription feeds under
// /feeds/, discovery and /healthz.
type Handler struct {
	svc      *calendar.Service
	store    backend.Store // svc's, read directly by PROPFIND and REPORTs
	logger   *slog.Logger
	opts     Options
	auth     *authCache
	throttle *loginThrottle
	mux      *http.ServeMux
}

// DAV path prefixes (README.md "URLs").
const (
	davRoot        = "/dav/"
	principalsRoot = "/dav/principals/"
	calendarsRoot  = "/dav/calendars/"
)

// New returns a Handler serving the calendars of svc. The limits on
// calendar objects (size, occurrences) are svc's.
func New(svc *calendar.Service, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxXMLBody <= 0 {
		opts.MaxXMLBody = 1 << 20
	}
	if opts.MaxReportInstances <= 0 {
		opts.MaxReportInstances = 100000
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = time.Minute
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	h := &Handler{svc: svc, store: svc.Store(), logger: opts.Logger, opts: opts, auth: newAuthCache(),
		throttle: newLoginThrottle(), mux: http.NewServeMux()}
	h.mux.HandleFunc("/healthz", h.healthz)
	h.mux.HandleFunc("/.well-known/caldav", h.wellKnown)
	h.mux.HandleFunc("/.well-known/caldav/", h.wellKnown)
	// Feeds are read by calendar applications that cannot log in: the
	// secret token in the URL stands for authentication.
	h.mux.HandleFunc(feedsRoot, h.serveFeed)
	if bp := h.basePath(); bp != "" {
		h.mux.HandleFunc(bp+feedsRoot, h.serveFeed)
	}
	h.mux.Handle("/", h.requireAuth(http.HandlerFunc(h.serveDAV)))
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	logRequests(h.logger, h.opts.TrustedProxies, h.mux).ServeHTTP(w, r)
}

// healthz answers 200 when the database answers, 503 otherwise.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := h.store.Ping(ctx); err != nil {
		h.logger.Warn("health check failed", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// wellKnown redirects /.well-known/caldav (with or without a trailing
// slash, for any method) to the DAV root (RFC 6764 §5).
func (h *Handler) wellKnown(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, h.opts.BaseURL+davRoot, http.StatusMovedPermanently)
}

// serveDAV dispatches an authenticated request by method.
func (h *Handler) serveDAV(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.RequestTimeout)
	defer cancel()
	r = withOrigin(withAccess(r.WithContext(ctx)))
	ctx = r.Context()
	if err := h.svc.EnsureHome(ctx, currentUser(ctx)); err != nil {
		h.writeError(w, r, err)
		return
	}
	// Plain resources below calendar collections have their own handlers.
	r, handled, err := h.serveFile(w, r)
	if handled {
		if err != nil {
			h.writeError(w, r, err)
		}
		return
	}
	switch r.Method {
	case http.MethodOptions:
		err = h.options(w, r)
	case "PROPFIND":
		err = h.propfind(w, r)
	case "PROPPATCH":
		err = h.proppatch(w, r)
	case "MKCALENDAR":
		err = h.mkcalendar(w, r, false)
	case "MKCOL":
		err = h.mkcalendar(w, r, true)
	case http.MethodGet, http.MethodHead:
		err = h.get(w, r)
	case http.MethodPut:
		err = h.put(w, r)
	case http.MethodDelete:
		err = h.delete(w, r)
	case "COPY", "MOVE":
		err = h.copyMove(w, r)
	case "REPORT":
		err = h.report(w, r)
	case http.MethodPost:
		err = h.post(w, r)
	default:
		w.Header().Set("Allow", allowHeader)
		err = errorf(http.StatusMethodNotAllowed, "method %s is not supported", r.Method)
	}
	if err != nil {
		h.writeError(w, r, err)
	}
}
