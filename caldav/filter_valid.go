package caldav

import (
	"net/http"
	"strings"
)

// The shape of a valid filter (RFC 4791 §9.7.1, §9.9, CALDAV:valid-filter):
// a comp-filter names a component where RFC 5545 §3.6 (and RFC 7953 for
// availability) lets one be, and a time-range stands only where §9.9
// gives it a meaning. A filter that can never match because of its shape
// is refused, not answered with an empty multistatus, so that a client's
// bug shows.

// filterChildren lists, for each component, the registered components
// that may be nested in it; a registered component anywhere else makes
// the filter invalid.
var filterChildren = map[string][]string{
	"VCALENDAR":     {"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE", "VAVAILABILITY"},
	"VEVENT":        {"VALARM"},
	"VTODO":         {"VALARM"},
	"VTIMEZONE":     {"STANDARD", "DAYLIGHT"},
	"VAVAILABILITY": {"AVAILABLE"},
}

// registeredComponents are the components filterChildren places; others
// (X- and unregistered names) may be nested anywhere below VCALENDAR and
// simply match nothing when absent.
var registeredComponents = map[string]bool{
	"VEVENT": true, "VTODO": true, "VJOURNAL": true, "VFREEBUSY": true, "VTIMEZONE": true, "VAVAILABILITY": true,
	"VALARM": true, "STANDARD": true, "DAYLIGHT": true, "AVAILABLE": true,
}

// timeRangeComponents are the components a comp-filter's time-range
// applies to (RFC 4791 §9.9's table, RFC 7953 §3.4 for availability).
var timeRangeComponents = map[string]bool{
	"VEVENT": true, "VTODO": true, "VJOURNAL": true, "VFREEBUSY": true, "VALARM": true,
	"VAVAILABILITY": true, "AVAILABLE": true,
}

// timeRangeProperties are the date and date-time properties a
// prop-filter's time-range applies to (RFC 4791 §9.9: "the property
// value types … DATE or DATE-TIME"); X- properties may have such values.
var timeRangeProperties = map[string]bool{
	"DTSTART": true, "DTEND": true, "DUE": true, "DTSTAMP": true, "COMPLETED": true, "CREATED": true,
	"LAST-MODIFIED": true, "RECURRENCE-ID": true, "EXDATE": true, "RDATE": true, "ACKNOWLEDGED": true, "TRIGGER": true,
}

// checkNesting refuses a comp-filter named child inside parent where
// RFC 5545 puts no such component.
func checkNesting(parent, child string) error {
	if !registeredComponents[child] {
		return nil
	}
	for _, c := range filterChildren[parent] {
		if c == child {
			return nil
		}
	}
	return conditionf(http.StatusForbidden, condValidFilter, "%s cannot be inside %s", child, parent)
}

// checkCompTimeRange refuses a time-range on a component it does not
// apply to (VTIMEZONE, STANDARD, DAYLIGHT, X- components).
func checkCompTimeRange(name string) error {
	if !timeRangeComponents[name] {
		return conditionf(http.StatusForbidden, condValidFilter, "a time-range does not apply to %s", name)
	}
	return nil
}

// checkPropTimeRange refuses a time-range on a property whose value is
// not a date or date-time.
func checkPropTimeRange(name string) error {
	if !timeRangeProperties[strings.ToUpper(name)] && !strings.HasPrefix(strings.ToUpper(name), "X-") {
		return conditionf(http.StatusForbidden, condValidFilter, "a time-range does not apply to %s, which is not a date or date-time", name)
	}
	return nil
}
