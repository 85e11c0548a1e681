package caldav

import (
	"bytes"
	"errors"
	"net/http"
)

// get implements GET and HEAD: an object with its strong ETag, or a whole
// calendar collection as one VCALENDAR.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) error {
	res, err := h.resolve(r.Context(), h.davPath(r))
	if errors.Is(err, errMissingParent) {
		return errorf(http.StatusNotFound, "no resource at %s", r.URL.Path)
	}
	if err != nil {
		return err
	}
	switch res.kind {
	case resObject:
	case resCollection:
		if res.cal == nil {
			return errorf(http.StatusNotFound, "no collection at %s", res.path)
		}
		return h.getCollection(w, r, res)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("Kalends CalDAV server: use a CalDAV client with this URL.\n"))
		return nil
	}
	if err := h.load(r.Context(), res, true); err != nil {
		return err
	}
	if res.obj == nil {
		return errorf(http.StatusNotFound, "no object at %s", res.path)
	}
	w.Header().Set("Content-Type", objectContentType(res.obj.Component))
	w.Header().Set("ETag", res.obj.ETag)
	if res.obj.Index.ScheduleTag != "" {
		w.Header().Set("Schedule-Tag", res.obj.Index.ScheduleTag)
	}
	// ServeContent answers If-Match (412), If-None-Match (304),
	// If-Modified-Since and HEAD from the ETag and Last-Modified.
	http.ServeContent(w, r, "", res.obj.ModifiedAt, bytes.NewReader(res.obj.Data))
	return nil
}
