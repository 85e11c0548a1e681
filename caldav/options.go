package caldav

import "net/http"

// davCompliance is the DAV header: WebDAV class 1 and 3 (RFC 4918 §18),
// access-control (RFC 3744), calendar-access (RFC 4791 §5.1),
// extended-mkcol (RFC 5689) and calendar-no-timezone (RFC 7809).
const davCompliance = "1, 3, access-control, calendar-access, extended-mkcol, calendar-no-timezone"

// allowHeader lists the methods of the DAV tree.
const allowHeader = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, MKCALENDAR, COPY, MOVE, REPORT"

// options implements OPTIONS (RFC 4918 §9.1, RFC 4791 §5.1.1).
func (h *Handler) options(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("DAV", davCompliance)
	w.Header().Set("Allow", allowHeader)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}
