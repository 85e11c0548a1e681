// Package ical holds the iCalendar helpers of Kalends on top of
// github.com/emersion/go-ical: parsing and validation of CalDAV calendar
// object resources, an index summary of one object, time zone resolution,
// bounded recurrence expansion and the time-range overlap test.
//
// The standards it implements are:
//
//   - RFC 5545 (iCalendar): syntax, value types, RRULE/RDATE/EXDATE and
//     RECURRENCE-ID semantics, VTIMEZONE evaluation;
//   - RFC 4791 (CalDAV): §4.1 calendar object resource restrictions,
//     §9.6.5 expand and §9.9 time-range overlap rules, §7.10 free-busy types;
//   - RFC 7809 (CalDAV time zones by reference): TZIDs without a VTIMEZONE
//     are accepted when they name a known zone.
//
// Parsing is done by this package rather than go-ical's decoder so that
// errors carry line numbers and quoted parameter values survive; the result
// is still a go-ical *ical.Calendar. Recurrence expansion is built around
// rrule-go, but does not use go-ical's RecurrenceSet, which mishandles
// multi-valued EXDATE, PERIOD RDATEs, floating UNTIL and non-IANA TZIDs.
//
// Parsing is lenient where real producers are known to err and the intent
// is clear (a misspelt END, a fold that lost its space, DATE values with a
// Z...): the repairs apply to the parsed copy only and are reported by
// ParseWithWarnings. Defects that leave the meaning open (a missing END, a
// bare word, an invalid date or rule) are still errors.
//
// The package never stores or re-encodes data: callers keep the bytes they
// received, because go-ical's encoder reorders properties and does not fold.
// Whatever must read or change stored text (split a calendar into its
// components, add VTIMEZONEs, set SCHEDULE-STATUS, drop alarms) goes
// through the text model, ParseText and its Doc, Comp and Line: one reader
// of content lines (textline.go) for folding, line endings, a byte-order
// mark, quoted parameters and case, which Parse and IndexStream share.
package ical

import _ "time/tzdata" // zones must resolve even on hosts without /usr/share/zoneinfo
