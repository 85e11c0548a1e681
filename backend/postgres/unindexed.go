package postgres

import "github.com/kalends/kalends/backend"

// unindexedCondition is the SQL condition for ListOptions.Unindexed and
// UnindexedFrom, with until and from the placeholders of the two
// instants. Tasks without dates matter only when tasks are asked for:
// leaving that branch out lets the databases use the partial indexes on
// series indexed short of their end or their start instead of reading the
// whole calendar.
func unindexedCondition(opts *backend.ListOptions, until, from string) string {
	series := unindexedSeries(until, from)
	if !opts.WantsComponent("VTODO") {
		return series
	}
	return `(` + series + ` OR (component = 'VTODO' AND dtstart IS NULL AND dtend IS NULL))`
}

// unindexedSeries is the SQL condition on objects for the series whose
// occurrences in [from, until) the instance index may not hold: indexed
// up to an indexed_until before until while going on after it, or from an
// indexed_from after from while beginning before it (backend.IndexObject).
// Each branch matches a partial index (migrations 00003 and 00012).
func unindexedSeries(until, from string) string {
	return `((indexed_until < ` + until + ` AND last_end > indexed_until) OR (indexed_from > ` + from +
		` AND first_start < indexed_from))`
}
