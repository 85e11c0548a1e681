package calendar

import (
	"context"
	"sort"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// Candidates asks the instance index of a calendar for occurrences near
// [start, end) (widened by widen, and one second more so that zero-length
// and touching occurrences, which RFC 4791 §9.9 may or may not count, are
// seen; a zero bound is open) and says per URI whether one occurrence
// surely overlaps the range (true) or only needs a closer look (false).
// Surely means: a positive-length occurrence overlapping the inside of the
// range, or a zero-length one strictly inside it; both the VEVENT and
// VTODO rows of §9.9 accept those whatever properties produced them. A
// widened range (floating times read in another zone) is never sure. meta
// holds each candidate's metadata, without data.
func (s *Service) Candidates(ctx context.Context, calID int64, start, end time.Time, widen time.Duration) (hits map[string]bool, meta map[string]*backend.Object, err error) {
	lo, hi := start, end
	if !lo.IsZero() {
		lo = lo.Add(-widen - time.Second)
	}
	if hi.IsZero() {
		hi = backend.MaxTime
	} else {
		hi = hi.Add(widen + time.Second)
	}
	refs, err := s.store.InstancesInRange(ctx, calID, lo, hi)
	if err != nil {
		return nil, nil, err
	}
	after := func(t time.Time) bool { return start.IsZero() || t.After(start) }
	before := func(t time.Time) bool { return end.IsZero() || t.Before(end) }
	hits = map[string]bool{}
	meta = map[string]*backend.Object{}
	for _, ref := range refs {
		sure := widen == 0 && after(ref.End) && before(ref.Start) && (ref.End.After(ref.Start) || after(ref.Start))
		hits[ref.URI] = hits[ref.URI] || sure
		if meta[ref.URI] == nil {
			meta[ref.URI] = &backend.Object{CalendarID: calID, URI: ref.URI, Component: ref.Component, ETag: ref.ETag,
				Size: ref.Size, CreatedAt: ref.CreatedAt, ModifiedAt: ref.ModifiedAt}
		}
	}
	return hits, meta, nil
}

// Unindexed lists the objects of component comp in calendar c whose
// occurrences in [from, until) the instance index may not hold (see
// backend.ListOptions.Unindexed and UnindexedFrom): series indexed short
// of until, or from after from (backend.IndexObject indexes a window of
// long series). A zero bound is open. Callers expand them on the fly.
func (s *Service) Unindexed(ctx context.Context, c *backend.Calendar, comp string, from, until time.Time) ([]*backend.Object, error) {
	if until.IsZero() {
		until = backend.MaxTime
	}
	return s.store.ListObjects(ctx, c.ID, &backend.ListOptions{Components: []string{comp}, Unindexed: until, UnindexedFrom: from})
}

// ObjectsInRange returns, sorted, the URIs of the objects of component
// comp (VEVENT, VTODO, VJOURNAL…) in calendar c having an occurrence that
// overlaps [from, to) by the rules of RFC 4791 §9.9 (a zero bound is
// open): what a calendar-query with only that time range selects. The
// instance index picks the candidates of events and to-dos; only those it
// cannot decide are read and expanded.
func (s *Service) ObjectsInRange(ctx context.Context, c *backend.Calendar, comp string, from, to time.Time) ([]string, error) {
	var out, check []string
	queued := map[string]bool{}
	if comp == "VEVENT" || comp == "VTODO" {
		hits, meta, err := s.Candidates(ctx, c.ID, from, to, 0)
		if err != nil {
			return nil, err
		}
		for uri, sure := range hits {
			switch {
			case meta[uri].Component != comp:
			case sure:
				out = append(out, uri)
			default:
				check = append(check, uri)
			}
			queued[uri] = true
		}
		blind, err := s.Unindexed(ctx, c, comp, from, to)
		if err != nil {
			return nil, err
		}
		for _, o := range blind {
			if !queued[o.URI] {
				check = append(check, o.URI)
				queued[o.URI] = true
			}
		}
	} else {
		objs, err := s.store.ListObjects(ctx, c.ID, &backend.ListOptions{Components: []string{comp}})
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			check = append(check, o.URI)
		}
	}
	opts := s.ExpandOptions(c)
	err := s.eachObject(ctx, c.ID, check, func(o *backend.Object) {
		cal, err := ical.Parse(o.Data)
		if err != nil {
			s.logger.WarnContext(ctx, "stored object does not parse", "uri", o.URI, "error", err)
			return
		}
		// A budget error still returns the occurrences found so far.
		ins, _ := ical.Expand(cal, from, to, opts)
		for _, in := range ins {
			if in.Component.Name == comp && ical.Overlaps(comp, in.Span(), from, to) {
				out = append(out, o.URI)
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}
