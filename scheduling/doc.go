// Package scheduling holds the iTIP rules of Kalends: RFC 5546 (iCalendar
// Transport-Independent Interoperability Protocol) as applied by CalDAV
// scheduling, RFC 6638 (the "calendar-auto-schedule" feature).
//
// It is pure code, with no HTTP and no SQL:
//
//   - Process takes the previous and the new version of a scheduling object
//     resource (RFC 6638 §3.1) as stored in one user's calendar and returns
//     the iTIP messages that write implies, per recipient, together with the
//     object to store (SEQUENCE bumped, PARTSTATs reset, SCHEDULE-* parameters
//     cleaned). Organizer writes produce REQUEST and CANCEL, attendee writes
//     produce REPLY (RFC 6638 §3.2.1-§3.2.3). Writes the RFC forbids come back
//     as *Error values naming the CalDAV precondition (RFC 6638 §3.2.4.x).
//   - ApplyReply, ApplyRequest and ApplyCancel are the receiving side: they
//     update the organizer's or an attendee's copy with an incoming message
//     (RFC 5546 §3.2).
//   - FreeBusy and FreeBusyReply answer the outbox free-busy POST (RFC 6638
//     §5, RFC 5546 §3.3); RoomDecision is the auto-accept rule of a room or
//     resource principal.
//
// Delivery, storage and the atomic booking of rooms belong to the callers.
package scheduling
