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
	return parseTokenRest(calendarID, rest)
}

// homeSyncTokenPrefix marks the tokens of calendar homes, which never
// pass for a collection's.
const homeSyncTokenPrefix = "urn:kalends:home-sync:"

// HomeSyncToken returns the DAV:sync-token of a principal's calendar home
// at a home revision (see HomeRevision).
func HomeSyncToken(principalID, revision int64) string {
	return fmt.Sprintf("%s%d:%d", homeSyncTokenPrefix, principalID, revision)
}

// ParseHomeSyncToken returns the home revision of a token issued for
// principalID's home, or ErrInvalidSyncToken.
func ParseHomeSyncToken(principalID int64, token string) (int64, error) {
	rest, ok := strings.CutPrefix(token, homeSyncTokenPrefix)
	if !ok {
		return 0, ErrInvalidSyncToken
	}
	return parseTokenRest(principalID, rest)
}

// parseTokenRest parses the "ID:REVISION" end of a token issued for id.
func parseTokenRest(id int64, rest string) (int64, error) {
	got, rev, ok := strings.Cut(rest, ":")
	if !ok || got != strconv.FormatInt(id, 10) {
		return 0, ErrInvalidSyncToken
	}
	n, err := strconv.ParseInt(rev, 10, 64)
	if err != nil || n < 0 {
		return 0, ErrInvalidSyncToken
	}
	return n, nil
}
