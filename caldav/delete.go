package caldav

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
)

// delete implements DELETE of objects and of whole calendars.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) error {
	res, err := h.resolve(r.Context(), h.davPath(r))
	if errors.Is(err, errMissingParent) {
		return errorf(http.StatusNotFound, "no resource at %s", r.URL.Path)
	}
	if err != nil {
		return err
	}
	switch res.kind {
	case resObject:
		ifMatch := ""
		if im := r.Header.Get("If-Match"); im != "" {
			if err := h.load(r.Context(), res, false); err != nil {
				return err
			}
			if res.obj == nil {
				return errorf(http.StatusNotFound, "no object at %s", res.path)
			}
			if strings.TrimSpace(im) != "*" && !etagListMatches(im, res.obj.ETag) {
				return errorf(http.StatusPreconditionFailed, "If-Match does not match the current ETag")
			}
			ifMatch = res.obj.ETag
		}
		if err := h.load(r.Context(), res, false); err != nil {
			return err
		}
		// A scheduling object resource sends its CANCEL or REPLY
		// DECLINED in the same transaction (RFC 6638 §3.2.3).
		err := h.svc.Delete(r.Context(), &calendar.DeleteRequest{Owner: res.principal, Calendar: res.cal, URI: res.objURI,
			IfMatch: ifMatch, IfScheduleTagMatch: strings.TrimSpace(r.Header.Get("If-Schedule-Tag-Match")),
			NoReply:  strings.EqualFold(strings.TrimSpace(r.Header.Get("Schedule-Reply")), "F"),
			Existing: &calendar.Existing{Object: res.obj}})
		if errors.Is(err, backend.ErrNotFound) {
			return errorf(http.StatusNotFound, "no object at %s", res.path)
		}
		if err != nil {
			return err
		}
	case resCollection:
		if res.cal == nil {
			return errorf(http.StatusNotFound, "no collection at %s", res.path)
		}
		if im := r.Header.Get("If-Match"); im != "" && !etagListMatches(im, ctag(res.cal)) {
			return errorf(http.StatusPreconditionFailed, "If-Match does not match the collection")
		}
		if err := h.svc.DeleteCalendar(r.Context(), res.cal); err != nil {
			return err
		}
	default:
		return errorf(http.StatusForbidden, "%s cannot be deleted", res.path)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
