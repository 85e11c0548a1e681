package caldav

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/kalends/kalends/backend"
)

// put implements PUT of a calendar object resource (RFC 4791 §5.3.2).
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
	if res.cal.Kind != backend.CollectionCalendar {
		return errorf(http.StatusForbidden, "objects may only be stored in calendar collections")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "text/calendar" {
			return conditionf(http.StatusUnsupportedMediaType, condSupportedCalendarData,
				"calendar objects must be text/calendar, not %q", ct)
		}
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, h.opts.MaxResourceSize+1))
	if err != nil {
		return errorf(http.StatusBadRequest, "reading the body: %v", err)
	}
	if int64(len(data)) > h.opts.MaxResourceSize {
		return conditionf(http.StatusRequestEntityTooLarge, condMaxResourceSize,
			"calendar objects may be at most %d bytes", h.opts.MaxResourceSize)
	}
	obj, cal, err := h.prepareObject(res.cal, res.objURI, data)
	if err != nil {
		return err
	}
	req := &backend.PutObjectRequest{CalendarID: res.cal.ID, Object: obj}
	if err := h.putConditions(r, res, req); err != nil {
		return err
	}
	// A scheduling object resource, or one that was and no longer is
	// (the organizer dropped every attendee: CANCEL), is written by the
	// implicit scheduling path (RFC 6638 §3.2, schedule.go).
	if !hasScheduling(cal) {
		if err := h.load(r.Context(), res, false); err != nil {
			return err
		}
	}
	if hasScheduling(cal) || schedComponent(cal) != "" && res.obj != nil && res.obj.Index.Organizer != "" {
		return h.putScheduled(w, r, res, req, cal, data)
	}
	result, err := h.store.PutObject(r.Context(), req)
	var conflict *backend.UIDConflictError
	if errors.As(err, &conflict) {
		return &Error{Status: http.StatusConflict, Condition: condNoUIDConflict,
			Hrefs:  []string{h.basePath() + collectionPath(res.principal, res.cal) + conflict.URI},
			Detail: "UID " + obj.UID + " is already used by another resource of this calendar"}
	}
	if err != nil {
		return err
	}
	// The ETag is returned only when the stored bytes are exactly those
	// sent (RFC 4791 §5.3.4); the client must GET the object otherwise.
	if len(obj.Data) == len(data) {
		w.Header().Set("ETag", result.ETag)
	}
	if result.Created {
		w.Header().Set("Location", h.href(res.path))
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// putConditions turns If-Match / If-None-Match into store conditions that
// the store checks atomically with the write.
func (h *Handler) putConditions(r *http.Request, res *resource, req *backend.PutObjectRequest) error {
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
