package sqlite

import "github.com/kalends/kalends/backend"

// unindexedCondition is the SQL condition for
// ListOptions.Unindexed, with param the placeholder of the instant. Tasks
// without dates matter only when tasks are asked for: leaving that branch
// out lets the databases use the partial index on series indexed short of
// their end instead of reading the whole calendar.
func unindexedCondition(opts *backend.ListOptions, param string) string {
	series := `(indexed_until < ` + param + ` AND last_end > indexed_until)`
	if !opts.WantsComponent("VTODO") {
		return series
	}
	return `(` + series + ` OR (component = 'VTODO' AND dtstart IS NULL AND dtend IS NULL))`
}
