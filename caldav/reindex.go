package caldav

import (
	"context"
	"errors"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// reindexCalendar recomputes the indexed occurrences of a calendar's
// objects after its calendar-timezone changed: floating times and all-day
// dates are evaluated in that zone (RFC 4791 §9.9), so their instants move.
// An object changed concurrently was indexed by its own write and is left
// alone.
func (h *Handler) reindexCalendar(ctx context.Context, c *backend.Calendar) error {
	objs, err := h.store.ListObjects(ctx, c.ID, &backend.ListOptions{WithData: true})
	if err != nil {
		return err
	}
	opts := h.expandOptions(c)
	for _, o := range objs {
		cal, err := ical.Parse(o.Data)
		if err != nil {
			continue // stored before a stricter parser; keep its index
		}
		insts, err := ical.Expand(cal, time.Time{}, time.Now().Add(indexHorizon), opts)
		if err != nil {
			continue
		}
		err = h.store.ReplaceInstances(ctx, c.ID, o.URI, o.ETag, backend.InstancesOf(insts))
		if err != nil && !errors.Is(err, backend.ErrPreconditionFailed) && !errors.Is(err, backend.ErrNotFound) {
			return err
		}
	}
	return nil
}
