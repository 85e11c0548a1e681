// Package imip mails the iTIP messages that implicit scheduling queued for
// calendar users outside the server (iMIP, RFC 6047) and reports what
// became of them to the sender's calendar.
//
// Build turns a queued message into a MIME mail: a human-readable
// text/plain part and the text/calendar part (RFC 6047 §2.4) as
// alternatives, and the same iCalendar as an application/ics attachment.
// The Worker, run by `kalends serve`, claims due messages from the
// store's queue (backend.MailQueue) with a lease, sends each over SMTP
// (RFC 5321) and records the outcome: sent, tried again later with
// exponential backoff after a temporary failure, or failed. A final
// failure sets SCHEDULE-STATUS 5.1 on the recipient in the sender's
// scheduling object (RFC 6638 §3.2.9), so the organizer's client shows
// that the invitation did not reach that attendee.
//
// Delivery is at least once: a worker stopped in the middle of a send
// does not know whether the server took the mail, and another worker
// sends it again once the lease expired. Calendar clients process a
// repeated iTIP message idempotently (same UID and SEQUENCE).
package imip
