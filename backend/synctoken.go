package backend

import (
	"fmt"
	"strconv"
	"strings"
)

// syncTokenPrefix makes sync tokens URIs, as RFC 6578 §3.2 requires.
const syncTokenPrefix = "urn:kalends:sync:"

// SyncToken returns the DAV:sync-token of a collection at a revision. The
// collection id is part of the token so that a token of one collection (or
// of a deleted and re-created one) is never taken for another's.
func SyncToken(calendarID, revision int64) string {
	return fmt.Sprintf("%s%d:%d", syncTokenPrefix, calendarID, revision)
}

// ParseSyncToken returns the revision of a token issued for calendarID, or
// ErrInvalidSyncToken.
func ParseSyncToken(calendarID int64, token string) (int64, error) {
	rest, ok := strings.CutPrefix(token, syncTokenPrefix)
	if !ok {
		return 0, ErrInvalidSyncToken
	}
	id, rev, ok := strings.Cut(rest, ":")
	if !ok || id != strconv.FormatInt(calendarID, 10) {
		return 0, ErrInvalidSyncToken
	}
	n, err := strconv.ParseInt(rev, 10, 64)
	if err != nil || n < 0 {
		return 0, ErrInvalidSyncToken
	}
	return n, nil
}
