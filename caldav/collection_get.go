package caldav

import (
	"bytes"
	"net/http"

	"github.com/kalends/kalends/calendar"
)

// getCollection answers GET on a calendar collection with the whole
// calendar as one VCALENDAR (calendar.Service.Export).
func (h *Handler) getCollection(w http.ResponseWriter, r *http.Request, res *resource) error {
	var body bytes.Buffer
	last, err := h.svc.Export(r.Context(), &body, res.cal, calendar.ExportOptions{})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("ETag", ctag(res.cal))
	http.ServeContent(w, r, "", last, bytes.NewReader(body.Bytes()))
	return nil
}
