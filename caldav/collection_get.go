package caldav

import (
	"bytes"
	"context"
	"net/http"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
)

// collectionContentType is the media type of a collection's GET.
const collectionContentType = "text/calendar; charset=utf-8"

// getCollection answers GET on a calendar collection with the whole
// calendar as one VCALENDAR (calendar.Service.Export).
func (h *Handler) getCollection(w http.ResponseWriter, r *http.Request, res *resource) error {
	var body bytes.Buffer
	last, err := h.svc.Export(r.Context(), &body, res.cal, calendar.ExportOptions{})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", collectionContentType)
	w.Header().Set("ETag", ctag(res.cal))
	http.ServeContent(w, r, "", last, bytes.NewReader(body.Bytes()))
	return nil
}

// exportLength is the length of c's GET: the export, counted, not kept.
func (h *Handler) exportLength(ctx context.Context, c *backend.Calendar) (int64, error) {
	var n countingWriter
	if _, err := h.svc.Export(ctx, &n, c, calendar.ExportOptions{}); err != nil {
		return 0, err
	}
	return int64(n), nil
}

// countingWriter counts the bytes written to it.
type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
