package imip

import (
	"context"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/scheduling"
)

// report records the outcome of a mail in the sender's scheduling object
// of that UID (RFC 6638 §3.2.9): the recipient's SCHEDULE-STATUS on its
// ATTENDEE properties for a REQUEST or CANCEL from the organizer, on the
// ORGANIZER for an attendee's REPLY. status is 5.1 for a final failure
// (RFC 5546 §3.6: could not complete delivery); on success it is 1.1
// again, which the copy already says unless an administrator retried a
// failed mail: for mail, 1.2 ("delivered") would claim more than is
// known, since the relay taking the mail does not put it in a calendar.
//
// Only that parameter changes, in the stored text; the write is a normal
// change (new ETag, a change log entry, so syncing clients see it) that
// keeps the Schedule-Tag, as only SCHEDULE-STATUS changed (RFC 6638
// §3.2.10). A copy deleted meanwhile, or that no longer names the
// recipient, is left as it is.
func (w *Worker) report(ctx context.Context, tx backend.TxStore, m *backend.OutboundMessage, status string) error {
	role := scheduling.RoleOrganizer
	if strings.EqualFold(m.Method, "REPLY") {
		role = scheduling.RoleAttendee
	}
	objs, err := tx.ObjectsByUID(ctx, m.PrincipalID, m.UID)
	if err != nil {
		return err
	}
	for _, o := range objs {
		data, changed := scheduling.SetScheduleStatusText(o.Data, role, m.Recipient, status)
		if !changed {
			continue
		}
		obj, err := w.reindexed(ctx, tx, m.PrincipalID, o, data)
		if err != nil {
			w.opts.Logger.WarnContext(ctx, "imip: the sender's copy cannot be re-indexed; its SCHEDULE-STATUS is left as it was",
				"message", m.ID, "uri", o.URI, "error", err)
			continue
		}
		if _, err := tx.PutObject(ctx, &backend.PutObjectRequest{CalendarID: o.CalendarID, Object: obj, IfMatch: o.ETag}); err != nil {
			return err
		}
	}
	return nil
}

// reindexed is o with new text in which only a parameter changed: its
// index columns and Schedule-Tag are kept, and its occurrences expanded
// again (backend.IndexObject, as every write does), since the store
// replaces them with every write.
func (w *Worker) reindexed(ctx context.Context, tx backend.TxStore, principalID int64, o *backend.Object, data []byte) (*backend.Object, error) {
	cal, err := ical.Parse(data)
	if err != nil {
		return nil, err
	}
	floating, err := w.floatingZone(ctx, tx, principalID, o.CalendarID)
	if err != nil {
		return nil, err
	}
	_, idx, insts, err := backend.IndexObject(cal, w.opts.Now(), ical.Options{MaxInstances: w.opts.MaxInstances, Floating: floating})
	if err != nil {
		return nil, err
	}
	out := &backend.Object{URI: o.URI, UID: o.UID, Component: o.Component, Data: data, Index: o.Index, Instances: insts}
	// The indexed window is the one these occurrences were computed for.
	out.Index.IndexedUntil, out.Index.IndexedFrom = idx.IndexedUntil, idx.IndexedFrom
	return out, nil
}

// floatingZone is the zone of the calendar's calendar-timezone, in which
// floating times and dates are indexed (RFC 4791 §9.9); UTC when it has none.
func (w *Worker) floatingZone(ctx context.Context, tx backend.TxStore, principalID, calID int64) (*time.Location, error) {
	cals, err := tx.ListCalendars(ctx, principalID)
	if err != nil {
		return nil, err
	}
	for _, c := range cals {
		if c.ID == calID {
			return ical.CalendarTimezoneLocation(c.Timezone), nil
		}
	}
	return time.UTC, nil
}
