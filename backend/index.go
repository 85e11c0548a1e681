package backend

import (
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/ical"
)

// IndexHorizon is how far ahead of a write an object's occurrences are
// written to the instance index (ARCHITECTURE.md, "The life of a PUT"); queries
// beyond it expand the open-ended series on the fly (ListOptions.Unindexed).
const IndexHorizon = 5 * 365 * 24 * time.Hour

// IndexPast is how far back of a write the index window of a long series
// begins: a series with more occurrences from its DTSTART to the horizon
// than max-instances (a daily event since 2000, RFC 5545's "every 20
// minutes from 9:00 to 16:40") is indexed from there, and queries before
// it expand the series on the fly (ListOptions.UnindexedFrom).
const IndexPast = 365 * 24 * time.Hour

// Horizon is the end of the instance index of an object written at now.
func Horizon(now time.Time) time.Time {
	return now.Add(IndexHorizon).UTC().Truncate(time.Second)
}

// IndexWindow is the window of the instance index of an object written at
// now: [from, until), until being Horizon(now). Short series are indexed
// whole, wherever they lie; only series with more occurrences than
// max-instances are cut to the window.
func IndexWindow(now time.Time) (from, until time.Time) {
	return now.Add(-IndexPast).UTC().Truncate(time.Second), Horizon(now)
}

// IndexObject is the one routine that computes what the store indexes of
// an object's text: its index columns and its occurrences, in the zones of
// opts (floating times in the calendar's zone). Every write of an
// object's text goes through it: a client's PUT, a scheduling copy, a
// re-index after a calendar's zone changed, the SCHEDULE-STATUS the mail
// worker records. The Schedule-Tag is the caller's to set.
//
// The index holds at most opts.MaxInstances occurrences of an object
// (RFC 4791 §5.2.8 max-instances, applied to the indexed window rather
// than to the lifetime of the series): all of them from the start of the
// series to the horizon when that is few enough; else those of
// IndexWindow(now), IndexedFrom saying where they begin; and when even
// the window holds more, its first MaxInstances, IndexedUntil saying
// where they stop. Queries outside [IndexedFrom, IndexedUntil) expand the
// series on the fly. An error is an expansion that exceeds its budget
// (max-instances) or invalid data.
func IndexObject(cal *goical.Calendar, now time.Time, opts ical.Options) (*ical.Info, ObjectIndex, []Instance, error) {
	from, until := IndexWindow(now)
	limit := opts.MaxInstances
	if limit <= 0 {
		limit = ical.DefaultMaxInstances
	}
	// One more than the limit tells "too many" from "exactly the limit".
	probe := opts
	probe.MaxInstances = limit + 1
	info, insts, err := ical.InspectExpand(cal, until, probe)
	if err != nil {
		return nil, ObjectIndex{}, nil, err
	}
	idx := ObjectIndex{
		Start: info.Start, End: info.End, FirstStart: info.FirstStart, LastEnd: info.LastEnd, AllDay: info.AllDay,
		Organizer: NormalizeEmail(info.Organizer), Sequence: info.Sequence, IndexedUntil: info.LastEnd,
		IndexedFrom: info.FirstStart, Transparent: info.Transparent, Status: info.Status,
	}
	if until.Before(info.LastEnd) {
		idx.IndexedUntil = until
	}
	if len(insts) > limit && from.After(info.FirstStart) {
		// Too many from the start: the window only.
		idx.IndexedFrom = from
		if insts, err = ical.Expand(cal, from, until, probe); err != nil {
			return nil, ObjectIndex{}, nil, err
		}
	}
	if len(insts) > limit {
		// Denser than the index keeps: its first occurrences only.
		idx.IndexedUntil = insts[limit].Start
		insts = insts[:limit]
	}
	return info, idx, InstancesOf(insts), nil
}
