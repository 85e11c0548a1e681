package caldav

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/kalends/kalends/calendar"
)

// put implements PUT of a calendar object resource (RFC 4791 §5.3.2):
// the checks of the request, then calendar.Service.Put.
func (h *Handler) put(w http.ResponseWriter, r *http.Request) error {
	res, err := h.resolve(r.Context(), h.davPath(r))
	if errors.Is(err, errMissingParent) {
		return errorf(http.StatusConflict, "the parent collection does not exist")
	}
	if err != nil {
		return err
	}
	if res.kind != resObject {
		return errorf(http.StatusMethodNotAllowed, "PUT is not allowed on a collection")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "text/calendar" {
			return conditionf(http.StatusUnsupportedMediaType, condSupportedCalendarData,
				"calendar objects must be text/calendar, not %q", ct)
		}
	}
	max := h.svc.MaxResourceSize()
	data, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return errorf(http.StatusBadRequest, "reading the body: %v", err)
	}
	req := &calendar.PutRequest{Owner: res.principal, Calendar: res.cal, URI: res.objURI, Data: data}
	if err := h.putConditions(r, res, req); err != nil {
		return err
	}
	result, err := h.svc.Put(r.Context(), req)
	if err != nil {
		return err
	}
	if result.Verbatim {
		w.Header().Set("ETag", result.ETag)
	}
	if result.ScheduleTag != "" {
		w.Header().Set("Schedule-Tag", result.ScheduleTag)
	}
	if result.Created {
		w.Header().Set("Location", h.href(res.path))
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// putConditions turns If-Match / If-None-Match / If-Schedule-Tag-Match into
// conditions that the store checks atomically with the write.
func (h *Handler) putConditions(r *http.Request, res *resource, req *calendar.PutRequest) error {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if strings.TrimSpace(inm) != "*" {
			// An ETag list: the write happens only if none matches the
			// current tag.
			if err := h.load(r.Context(), res, false); err != nil {
				return err
			}
			if res.obj != nil && etagListMatches(inm, res.obj.ETag) {
				return errorf(http.StatusPreconditionFailed, "If-None-Match matched the current ETag")
			}
			if res.obj != nil {
				req.IfMatch = res.obj.ETag
			}
		} else {
			req.IfNoneMatch = true
		}
	}
	if im := r.Header.Get("If-Match"); im != "" {
		if err := h.load(r.Context(), res, false); err != nil {
			return err
		}
		if res.obj == nil || (strings.TrimSpace(im) != "*" && !etagListMatches(im, res.obj.ETag)) {
			return errorf(http.StatusPreconditionFailed, "If-Match does not match the current ETag")
		}
		// Checked again inside the write transaction.
		req.IfMatch = res.obj.ETag
	}
	if st := r.Header.Get("If-Schedule-Tag-Match"); st != "" {
		req.IfScheduleTagMatch = strings.TrimSpace(st)
	}
	if res.obj != nil {
		req.Existing = &calendar.Existing{Object: res.obj}
	}
	return nil
}

// etagListMatches reports whether a comma-separated list of entity tags
// holds current, by strong comparison (RFC 9110 §8.8.3.2).
func etagListMatches(list, current string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || (!strings.HasPrefix(t, "W/") && t == current) {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }
