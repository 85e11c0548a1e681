package scheduling

import (
	"errors"
	"fmt"
)

// CalDAV preconditions (RFC 6638 §3.2.4.x, RFC 4791 §5.3.2) an *Error maps
// to. Each is the local name of an element in the CALDAV:
// ("urn:ietf:params:xml:ns:caldav") namespace.
const (
	// CondSameOrganizer: every component of a scheduling object resource
	// must carry the same ORGANIZER (RFC 6638 §3.2.4.2).
	CondSameOrganizer = "same-organizer-in-all-components"
	// CondOrganizerChange: the organizer tried a change the server refuses,
	// such as handing the ORGANIZER role to another address (§3.2.4.3).
	CondOrganizerChange = "allowed-organizer-scheduling-object-change"
	// CondAttendeeChange: an attendee changed something only the organizer
	// owns (RFC 6638 §3.2.2.1 lists what attendees may change; §3.2.4.4).
	CondAttendeeChange = "allowed-attendee-scheduling-object-change"
	// CondUniqueSchedulingObject: another resource of the user already
	// holds this UID (§3.2.4.1). The store detects it, not this package.
	CondUniqueSchedulingObject = "unique-scheduling-object-resource"
	// CondValidObject: CALDAV:valid-calendar-object-resource (RFC 4791
	// §5.3.2.1), used for a write that changes the UID of a resource.
	CondValidObject = "valid-calendar-object-resource"
)

// Error is a scheduling write refused by an RFC 6638 rule. Status is the
// HTTP status the protocol layer should answer with (403 for all of the
// RFC 6638 preconditions), Condition the CALDAV: precondition element and
// Reason a short English sentence for humans.
type Error struct {
	Status    int
	Condition string
	Reason    string
}

// Error formats the failure for logs.
func (e *Error) Error() string {
	return "scheduling: " + e.Reason + " (" + e.Condition + ")"
}

func forbidden(cond, format string, args ...any) *Error {
	return &Error{Status: 403, Condition: cond, Reason: fmt.Sprintf(format, args...)}
}

// NotAttendeeError is returned when an incoming message names a calendar
// user who is not an attendee of the object it applies to: a REPLY from a
// stranger, or a REQUEST delivered to someone it does not invite. iTIP
// answers such messages with REQUEST-STATUS 3.7 (RFC 5546 §3.6).
type NotAttendeeError struct {
	Address string
}

// Error names the address for logs.
func (e *NotAttendeeError) Error() string {
	return fmt.Sprintf("scheduling: %s is not an attendee", e.Address)
}

// MessageError is an incoming iTIP message that cannot be applied: wrong
// METHOD, no component, another UID than the stored copy (RFC 5546 §3.6
// status 3.x). It is the sender's fault, never the store's.
type MessageError struct {
	Reason string
}

// Error formats the reason for logs.
func (e *MessageError) Error() string { return "scheduling: invalid iTIP message: " + e.Reason }

// ErrStaleReply is a REPLY older than the organizer's copy (a lower
// SEQUENCE, RFC 5546 §2.1.5): nothing of it applies.
var ErrStaleReply = errors.New("scheduling: the REPLY is older than the organizer's copy")
