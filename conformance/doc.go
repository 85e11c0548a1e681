// Package conformance holds Kalends' black-box conformance tests: they build
// the real kalends binary (with coverage instrumentation), start `kalends
// serve` on 127.0.0.1 against a fresh SQLite file and a fresh PostgreSQL
// database, and talk to it only over HTTP, with go-webdav's CalDAV client,
// raw WebDAV/CalDAV requests taken from the RFCs and from real clients'
// discovery sequences (Apple Calendar, Thunderbird, DAVx5), litmus and
// python3-caldav.
//
// The package has no code of its own besides this comment: everything lives
// in _test.go files. It imports only internal/testenv from the project, so
// that it tests what a client sees and nothing else. COMPLIANCE.md maps each
// RFC section to the test that proves it.
package conformance
