package caldav

import (
	"bytes"
	"net/http"
	"time"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
)

func init() {
	reports[dx.ReportFreeBusyQuery] = (*Handler).reportFreeBusy
}

// reportFreeBusy implements CALDAV:free-busy-query (RFC 4791 §7.10) on a
// calendar collection, or on a calendar home where it covers every
// calendar whose schedule-calendar-transp is opaque. The answer is one
// VFREEBUSY read from the instance index.
func (h *Handler) reportFreeBusy(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	q, err := dx.DecodeFreeBusyQuery(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	tr := q.TimeRange
	if tr.Start.IsZero() || tr.End.IsZero() {
		return errorf(http.StatusBadRequest, "free-busy-query needs a time-range with start and end")
	}
	var cals []*backend.Calendar
	switch res.kind {
	case resCollection:
		if res.cal.Kind == backend.CollectionCalendar {
			cals = append(cals, res.cal)
		}
	case resHome:
		if cals, err = h.svc.OpaqueCalendars(r.Context(), res.principal.ID); err != nil {
			return err
		}
	}
	byCal, err := h.svc.BusyTime(r.Context(), cals, tr.Start, tr.End)
	if err != nil {
		return err
	}
	var busy []calendar.Busy
	for _, c := range cals {
		busy = append(busy, byCal[c.ID]...)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(calendar.FreeBusyText(busy, tr.Start, tr.End, time.Now())))
	return nil
}
