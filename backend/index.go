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

// Horizon is the end of the instance index of an object written at now.
func Horizon(now time.Time) time.Time {
	return now.Add(IndexHorizon).UTC().Truncate(time.Second)
}

// IndexObject is the one routine that computes what the store indexes of
// an object's text: its index columns and its occurrences up to the
// horizon of now, in the zones of opts (floating times in the calendar's
// zone). Every write of an object's text goes through it: a client's PUT,
// a scheduling copy, a re-index after a calendar's zone changed, the
// SCHEDULE-STATUS the mail worker records. The Schedule-Tag is the
// caller's to set.
func IndexObject(cal *goical.Calendar, now time.Time, opts ical.Options) (*ical.Info, ObjectIndex, []Instance, error) {
	horizon := Horizon(now)
	info, insts, err := ical.InspectExpand(cal, horizon, opts)
	if err != nil {
		return nil, ObjectIndex{}, nil, err
	}
	idx := ObjectIndex{
		Start: info.Start, End: info.End, FirstStart: info.FirstStart, LastEnd: info.LastEnd, AllDay: info.AllDay,
		Organizer: NormalizeEmail(info.Organizer), Sequence: info.Sequence, IndexedUntil: info.LastEnd,
		Transparent: info.Transparent, Status: info.Status,
	}
	if horizon.Before(info.LastEnd) {
		idx.IndexedUntil = horizon
	}
	return info, idx, InstancesOf(insts), nil
}
