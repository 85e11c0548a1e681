package caldav

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// logInfo is filled in while a request is served and logged at its end.
type logInfo struct {
	path   string // logged instead of the request's, when set
	user   string
	addr   string // the client's, through trusted proxies
	err    string // why the request failed, for 4xx/5xx
	status int
	bytes  int64
}

const logKey ctxKey = 1

func setLogUser(r *http.Request, user string) {
	if li, ok := r.Context().Value(logKey).(*logInfo); ok {
		li.user = user
	}
}

// setLogPath replaces the path logged for a request (one holding a
// secret, such as a feed token).
func setLogPath(r *http.Request, path string) {
	if li, ok := r.Context().Value(logKey).(*logInfo); ok {
		li.path = path
	}
}

// logPath is the path to log for a request.
func logPath(r *http.Request) string {
	if li, ok := r.Context().Value(logKey).(*logInfo); ok && li.path != "" {
		return li.path
	}
	return r.URL.EscapedPath()
}

func setLogError(r *http.Request, msg string) {
	if li, ok := r.Context().Value(logKey).(*logInfo); ok {
		li.err = msg
	}
}

type statusWriter struct {
	http.ResponseWriter
	li *logInfo
}

func (w *statusWriter) WriteHeader(code int) {
	if w.li.status == 0 {
		w.li.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.li.status == 0 {
		w.li.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.li.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request: method, path, status, duration,
// user (the name tried, when a login failed), client address and response
// size. The client address is read through the trusted reverse proxies.
func logRequests(logger *slog.Logger, proxies []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		li := &logInfo{addr: forwardedAddr(r, proxies)}
		r = r.WithContext(context.WithValue(r.Context(), logKey, li))
		next.ServeHTTP(&statusWriter{ResponseWriter: w, li: li}, r)
		if li.status == 0 {
			li.status = http.StatusOK
		}
		level := slog.LevelInfo
		if li.status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", logPath(r)), slog.Int("status", li.status),
			slog.Duration("duration", time.Since(start)), slog.String("user", li.user), slog.String("addr", li.addr), slog.Int64("bytes", li.bytes)}
		if li.err != "" {
			attrs = append(attrs, slog.String("error", li.err))
		}
		logger.LogAttrs(r.Context(), level, "request", attrs...)
	})
}
