package calendar

import (
	"context"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// reindexBatch is how many objects a re-index reads at once, so that its
// memory does not grow with the calendar.
const reindexBatch = 200

// UpdateCalendar applies u to calendar c: its calendar-timezone is checked
// first (RFC 4791 §5.2.2), and when the zone changes the indexed
// occurrences of the calendar's objects are recomputed in the same
// transaction, since floating times and all-day dates are evaluated in
// that zone (RFC 4791 §9.9) and their instants move with it: a reader sees
// the old zone with the old occurrences or the new zone with the new ones,
// never a mix. Dead properties in u are stored as given.
func (s *Service) UpdateCalendar(ctx context.Context, c *backend.Calendar, u *backend.CalendarUpdate) (*backend.Calendar, error) {
	if u.Timezone != nil && *u.Timezone != "" {
		if err := ValidateTimezone(*u.Timezone); err != nil {
			return nil, err
		}
	}
	if u.Timezone == nil || *u.Timezone == c.Timezone {
		return s.store.UpdateCalendar(ctx, c.ID, u)
	}
	var updated *backend.Calendar
	err := s.store.Update(ctx, func(tx backend.TxStore) error {
		var err error
		if updated, err = tx.UpdateCalendar(ctx, c.ID, u); err != nil {
			return err
		}
		return s.reindex(ctx, tx, updated)
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// reindex recomputes the indexed occurrences of every object of calendar
// c inside tx, a batch of objects at a time.
func (s *Service) reindex(ctx context.Context, tx backend.TxStore, c *backend.Calendar) error {
	all, err := tx.ListObjects(ctx, c.ID, nil)
	if err != nil {
		return err
	}
	opts := s.ExpandOptions(c)
	now := s.opts.Now()
	for len(all) > 0 {
		n := min(len(all), reindexBatch)
		uris := make([]string, n)
		for i, o := range all[:n] {
			uris[i] = o.URI
		}
		all = all[n:]
		objs, err := tx.ListObjects(ctx, c.ID, &backend.ListOptions{URIs: uris, WithData: true})
		if err != nil {
			return err
		}
		for _, o := range objs {
			cal, err := ical.Parse(o.Data)
			if err != nil {
				continue // stored before a stricter parser; keep its index
			}
			_, idx, insts, err := backend.IndexObject(cal, now, opts)
			if err != nil {
				continue
			}
			// The window moved with now, and floating times with the zone.
			if err := tx.ReplaceInstances(ctx, c.ID, o.URI, o.ETag, &idx, insts); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateCalendar creates calendar collection c in its owner's home with
// its initial dead properties, in one transaction: the name must be a
// valid collection name and a calendar-timezone exactly one VTIMEZONE.
// backend.ErrExists when the home already has a collection of that name.
func (s *Service) CreateCalendar(ctx context.Context, c *backend.Calendar, props []backend.Property) error {
	if err := backend.ValidateCollectionName(c.URI); err != nil {
		return err
	}
	if c.Timezone != "" {
		if err := ValidateTimezone(c.Timezone); err != nil {
			return err
		}
	}
	return s.store.CreateCalendar(ctx, c, props)
}

// DeleteCalendar removes calendar collection c and everything in it. The
// scheduling inbox and outbox belong to every home (RFC 6638 §2.1-2.2)
// and cannot be deleted.
func (s *Service) DeleteCalendar(ctx context.Context, c *backend.Calendar) error {
	if c.Kind != backend.CollectionCalendar {
		return errorf(NotCalendar, "the scheduling inbox and outbox cannot be deleted")
	}
	return s.store.DeleteCalendar(ctx, c.ID)
}
