package davimport

import (
	"fmt"
	"io"
)

// Report is the outcome of a migration, one entry per source calendar.
type Report struct {
	Calendars []*CalendarReport
}

// Rejected returns the number of source resources Kalends refused.
func (r *Report) Rejected() int {
	n := 0
	for _, c := range r.Calendars {
		n += len(c.Rejected)
	}
	return n
}

// CalendarReport says what a migration did with one source calendar.
// Counts are of Kalends calendar objects; Rejected and Kept name source
// resources.
type CalendarReport struct {
	Source          string // the source collection's URL
	Name            string // its display name, or its path segment
	Target          string // the Kalends calendar's name
	CalendarCreated bool   // the Kalends calendar was created by this run
	PropsUpdated    bool   // its properties were changed by this run
	Method          string // how changes were found (sync-collection, PROPFIND listing)

	Created, Updated, Unchanged, Deleted int
	// Fetch is, in a dry run, the number of source resources that would
	// be read (new or changed).
	Fetch int
	// Rejected are the source resources Kalends refused, with the reason.
	Rejected []Item
	// Kept are objects deleted on the source but kept in Kalends because
	// they were changed there since they were imported.
	Kept     []Item
	Warnings []string
}

// Item is one source resource named in a report.
type Item struct {
	Href   string
	Reason string
}

// Print writes the report of one calendar as a person reads it.
func (c *CalendarReport) Print(w io.Writer, dryRun bool) {
	what := "into"
	if c.CalendarCreated {
		what = "into new calendar"
		if dryRun {
			what = "into calendar to create"
		}
	}
	fmt.Fprintf(w, "%s (%s) %s %s [%s]\n", c.Name, c.Source, what, c.Target, c.Method)
	if dryRun {
		fmt.Fprintf(w, "  would read %d new or changed, delete up to %d; %d unchanged, %d rejected before\n",
			c.Fetch, c.Deleted, c.Unchanged, len(c.Rejected))
	} else {
		fmt.Fprintf(w, "  %d created, %d updated, %d unchanged, %d deleted, %d rejected\n",
			c.Created, c.Updated, c.Unchanged, c.Deleted, len(c.Rejected))
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	for _, k := range c.Kept {
		fmt.Fprintf(w, "  kept %s: %s\n", k.Href, k.Reason)
	}
	for _, r := range c.Rejected {
		fmt.Fprintf(w, "  rejected %s: %s\n", r.Href, r.Reason)
	}
}
