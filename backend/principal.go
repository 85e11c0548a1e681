package backend

import (
	"fmt"
	"strings"
	"time"
)

// PrincipalKind says what a principal stands for. It maps to the iCalendar
// CUTYPE of RFC 5545 §3.2.3 (INDIVIDUAL, ROOM, RESOURCE).
type PrincipalKind string

// The kinds of principal.
const (
	KindUser     PrincipalKind = "user"
	KindRoom     PrincipalKind = "room"
	KindResource PrincipalKind = "resource"
)

// Valid reports whether k is one of the known kinds.
func (k PrincipalKind) Valid() bool {
	switch k {
	case KindUser, KindRoom, KindResource:
		return true
	}
	return false
}

// Collection is the URL segment of the kind under /dav/principals/ and
// /dav/calendars/: "users", "rooms" or "resources".
func (k PrincipalKind) Collection() string { return string(k) + "s" }

// Principal is a person, room or resource with calendars.
type Principal struct {
	ID          int64
	Kind        PrincipalKind
	Name        string   // URL segment and, for users, the login name
	DisplayName string   // human name; falls back to Name when empty
	Emails      []string // calendar user addresses, preferred first, lower-cased
	Admin       bool     // may use administrative APIs
	Capacity    int      // rooms: seats (0 = unknown)
	Location    string   // rooms: where to find it
	// BookingPolicy is how a room or resource answers invitations: "" or
	// "accept-if-free" (the default), "always-accept", "always-decline",
	// "manual".
	BookingPolicy string
	// MaxBookings is how many bookings may overlap (0 = one at a time).
	MaxBookings int
	CreatedAt   time.Time
}

// Display returns the display name, or the name when none is set.
func (p *Principal) Display() string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Name
}

// ValidateName checks a principal or collection name used as a URL segment.
// Names are kept to characters that need no escaping in the usual places
// (paths, log lines, shell arguments) apart from '@', '.', '-' and '_'.
func ValidateName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("backend: name must be 1 to 64 characters")
	}
	if name == "." || name == ".." {
		return fmt.Errorf("backend: name %q is reserved", name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("@.-_", r)
		if !ok {
			return fmt.Errorf("backend: name %q may contain only letters, digits and @ . - _", name)
		}
	}
	return nil
}

// NormalizeEmail lower-cases an address and strips a "mailto:" prefix, so
// that addresses compare the way calendar user addresses are compared in
// practice (RFC 6638 §2.4.1 leaves case-insensitive matching to the server).
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	return strings.ToLower(s)
}

// ValidateCollectionName checks the URL segment of a new collection: the
// rules of ValidateResourceName.
func ValidateCollectionName(name string) error {
	return ValidateResourceName(name)
}
