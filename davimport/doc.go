// Package davimport copies a whole CalDAV account into Kalends: every
// calendar collection of the account's calendar home (RFC 4791 §6.2.1),
// with its properties, and every calendar object resource in it, stored
// through calendar.Service.Import so that an import accepts exactly what a
// PUT would.
//
// A migration can be run again to pick up what changed on the source. Per
// target calendar it keeps, in the internal dead property
// calendar.ImportStateName, the source collection's URL, its last
// DAV:sync-token and, per source href, the source ETag and the Kalends
// objects made from it. A re-run asks the source for the changes since
// that token (sync-collection, RFC 6578) when the source supports it,
// and otherwise lists the collection's ETags (PROPFIND Depth 1,
// RFC 4918 §9.1) and compares; only new or changed resources are fetched,
// in calendar-multiget batches (RFC 4791 §7.9).
//
// Deletions on the source are applied to Kalends on a re-run only for
// objects that came from that source (they are in its state) and that
// were not changed in Kalends since they were imported (the delete is
// conditional on the ETag the import gave them); any other object of the
// calendar is never touched. A change on the source replaces the object
// in Kalends: the source wins over edits made in Kalends meanwhile.
package davimport
