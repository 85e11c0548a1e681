package imip

import "time"

// DefaultRetries is the wait after each failed attempt before the next:
// 1 min, 5 min, 30 min, 2 h, 6 h, then 15 h, so that the seventh and
// last attempt comes about a day (23 h 36 min) after the first. A relay
// that is down for a restart or a greylisting server (451 for the first
// few minutes, RFC 6647) is passed within the first steps; a recipient
// domain still unreachable after a day is a final failure, reported to
// the sender rather than left pending for days as an MTA would.
var DefaultRetries = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour,
}

// nextAttempt returns the wait before the next attempt after attempts
// failed ones (1 after the first), and false when none is left.
func nextAttempt(retries []time.Duration, attempts int) (time.Duration, bool) {
	if attempts < 1 || attempts > len(retries) {
		return 0, false
	}
	return retries[attempts-1], true
}
