package calendar

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
)

// Code names why the service refused an operation. Front doors map codes
// to their own answers (caldav: a status and a precondition element of
// RFC 4791 / RFC 6638) in one place each.
type Code int

const (
	// InvalidData: the text is not iCalendar (RFC 4791 valid-calendar-data).
	InvalidData Code = iota + 1
	// InvalidObject: iCalendar that is not one calendar object resource
	// (valid-calendar-object-resource: several UIDs, METHOD, no component).
	InvalidObject
	// UnsupportedComponent: the calendar does not take this component type
	// (supported-calendar-component).
	UnsupportedComponent
	// TooManyInstances: the recurrence generates more occurrences than
	// allowed (max-instances).
	TooManyInstances
	// TooLarge: the object is bigger than allowed (max-resource-size).
	TooLarge
	// NotCalendar: objects may only be stored in calendar collections.
	NotCalendar
	// UIDConflict: another resource of the calendar holds the UID, or the
	// write would replace an object by one of another UID
	// (no-uid-conflict); Where names the resource holding the UID.
	UIDConflict
	// InvalidTimezone: a calendar-timezone that is not exactly one
	// VTIMEZONE (valid-calendar-timezone).
	InvalidTimezone
	// NotUniqueSchedulingObject: the owner already has a scheduling object
	// of that UID in another calendar (RFC 6638 §3.2.4.1); Where names it.
	NotUniqueSchedulingObject
	// TooManyAttendees: an instance has more ATTENDEEs than allowed
	// (max-attendees-per-instance).
	TooManyAttendees
	// UnknownTimezone: the object references a TZID that is no zone the
	// server knows and that it has no VTIMEZONE for (RFC 7809
	// valid-timezone).
	UnknownTimezone
)

// String is the name of the code: the precondition of RFC 4791 or RFC
// 6638 it stands for, "not-a-calendar" for NotCalendar.
func (c Code) String() string {
	switch c {
	case InvalidData:
		return "valid-calendar-data"
	case InvalidObject:
		return "valid-calendar-object-resource"
	case UnsupportedComponent:
		return "supported-calendar-component"
	case TooManyInstances:
		return "max-instances"
	case TooLarge:
		return "max-resource-size"
	case NotCalendar:
		return "not-a-calendar"
	case UIDConflict:
		return "no-uid-conflict"
	case InvalidTimezone:
		return "valid-calendar-timezone"
	case NotUniqueSchedulingObject:
		return "unique-scheduling-object-resource"
	case TooManyAttendees:
		return "max-attendees-per-instance"
	case UnknownTimezone:
		return "valid-timezone"
	}
	return "code-" + strconv.Itoa(int(c))
}

// Error is a refusal of the service, with a reason for people.
type Error struct {
	Code   Code
	Reason string
	// Line is the line of the iCalendar text at fault, when known.
	Line int
	// Where names the resource a conflict is with.
	Where *Location
}

// Location names a calendar object resource.
type Location struct {
	Owner    *backend.Principal
	Calendar *backend.Calendar
	URI      string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return "line " + strconv.Itoa(e.Line) + ": " + e.Reason
	}
	return e.Reason
}

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// icalError turns a refusal of package ical into an Error; other errors
// are returned as they are.
func icalError(err error) error {
	var ie *ical.Error
	if !errors.As(err, &ie) {
		return err
	}
	code := InvalidData
	switch ie.Condition {
	case ical.CondValidObject:
		code = InvalidObject
	case ical.CondMaxInstances:
		code = TooManyInstances
	case ical.CondValidTimezone:
		code = UnknownTimezone
	}
	return &Error{Code: code, Reason: ie.Reason, Line: ie.Line}
}

// uidConflict turns the store's UIDConflictError into an Error naming the
// resource that holds uid in calendar c of owner, or the one whose UID the
// write would change (RFC 4791 §5.3.2.1); other errors are returned as
// they are.
func uidConflict(err error, owner *backend.Principal, c *backend.Calendar, uid string) error {
	var conflict *backend.UIDConflictError
	if !errors.As(err, &conflict) {
		return err
	}
	reason := "UID " + uid + " is already used by another resource of this calendar"
	if conflict.Changed {
		reason = "the resource holds another UID: a UID cannot change by overwriting it (UID " + uid + ")"
	}
	return &Error{Code: UIDConflict, Where: &Location{Owner: owner, Calendar: c, URI: conflict.URI}, Reason: reason}
}
