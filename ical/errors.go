package ical

import "fmt"

// CalDAV precondition names (RFC 4791 §5.3.2 and §5.2.8) an *Error maps to.
const (
	// CondValidData is CALDAV:valid-calendar-data: the body is not
	// parseable iCalendar or holds invalid values.
	CondValidData = "valid-calendar-data"
	// CondValidObject is CALDAV:valid-calendar-object-resource: the data is
	// iCalendar but breaks the RFC 4791 §4.1 rules for one resource.
	CondValidObject = "valid-calendar-object-resource"
	// CondMaxInstances is CALDAV:max-instances: expanding the recurrence
	// set exceeded the configured budget (Options.Deadline or the
	// iteration cap).
	CondMaxInstances = "max-instances"
	// CondValidTimezone is CALDAV:valid-timezone (RFC 7809): a TZID
	// that is neither a zone the server knows nor defined by a VTIMEZONE
	// of the object.
	CondValidTimezone = "valid-timezone"
)

// Error is a validation failure. Condition is the CalDAV precondition it
// maps to (one of the Cond* constants), Reason a short English sentence for
// humans and Line the 1-based input line when known (0 otherwise).
type Error struct {
	Condition string
	Reason    string
	Line      int
}

// Error formats the failure for logs; clients get Reason and Condition.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("ical: %s (line %d)", e.Reason, e.Line)
	}
	return "ical: " + e.Reason
}

func dataErr(line int, format string, args ...any) *Error {
	return &Error{Condition: CondValidData, Reason: fmt.Sprintf(format, args...), Line: line}
}

func objErr(format string, args ...any) *Error {
	return &Error{Condition: CondValidObject, Reason: fmt.Sprintf(format, args...)}
}
