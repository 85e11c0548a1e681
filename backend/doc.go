// Package backend holds Kalends' domain types — principals, calendars,
// calendar objects, their occurrences and the change log — and the Store
// interface that every storage engine implements.
//
// Nothing here is SQL-specific: backend/postgres and backend/sqlite each
// translate their driver's errors into the typed errors of this package, and
// backend/storetest is the one behavioural suite both must pass.
package backend
