package caldav

import (
	"net/http"

	"github.com/kalends/kalends/backend"
)

// davCompliance is the DAV header: WebDAV class 1 and 3 (RFC 4918 §18),
// access-control (RFC 3744), calendar-access (RFC 4791 §5.1),
// extended-mkcol (RFC 5689), calendar-no-timezone (RFC 7809), and CalDAV
// scheduling: calendar-auto-schedule (RFC 6638 §2: the server delivers
// invitations, replies and cancellations itself) and calendar-schedule,
// the token of the earlier drafts that Thunderbird still looks for. With
// both present Thunderbird leaves invitations to the server instead of
// mailing them itself.
const davCompliance = "1, 3, access-control, calendar-access, extended-mkcol, calendar-no-timezone, calendar-auto-schedule, calendar-schedule"

// allowHeader lists the methods of the DAV tree.
const allowHeader = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, MKCALENDAR, COPY, MOVE, REPORT"

// outboxAllow adds POST, which only a scheduling outbox accepts (RFC 6638
// §5, free-busy requests).
const outboxAllow = allowHeader + ", POST"

// options implements OPTIONS (RFC 4918 §9.1, RFC 4791 §5.1.1).
func (h *Handler) options(w http.ResponseWriter, r *http.Request) error {
	allow := allowHeader
	// A path that does not resolve (someone else's home, a typo) still
	// gets the server's capabilities: OPTIONS is how clients discover them.
	if res, err := h.resolve(r.Context(), h.davPath(r)); err == nil &&
		res.kind == resCollection && res.cal != nil && res.cal.Kind == backend.CollectionOutbox {
		allow = outboxAllow
	}
	w.Header().Set("DAV", davCompliance)
	w.Header().Set("Allow", allow)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}
