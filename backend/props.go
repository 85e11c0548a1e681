package backend

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of dead properties (RFC 4918 §4.2), which clients may set freely:
// without them one user fills the database and slows every allprop.
const (
	// MaxPropertySize is the size of one dead property's XML.
	MaxPropertySize = 64 << 10
	// MaxResourceProperties is the number of dead properties of one
	// resource (collection, object, file or home).
	MaxResourceProperties = 100
	// MaxHomePropertyBytes is the size of all the dead properties of one
	// principal: its home's, its collections' and their members'.
	MaxHomePropertyBytes = 1 << 20
)

// ServerNamespace is the XML namespace of Kalends' own properties.
// Those of its properties whose names start with ServerPropertyPrefix are
// the server's bookkeeping (what `kalends import --from` copied, which
// grows with the calendar): clients can neither set nor see them, and the
// bounds above, which are there against clients, do not count them.
const (
	ServerNamespace      = "urn:x-kalends:xml:ns"
	ServerPropertyPrefix = "import-"
)

// IsServerProperty reports whether a dead property is the server's own
// bookkeeping rather than a client's.
func IsServerProperty(name xml.Name) bool {
	return name.Space == ServerNamespace && strings.HasPrefix(name.Local, ServerPropertyPrefix)
}

// ErrPropertyLimit: a write of dead properties would pass one of the
// bounds above; nothing was written.
var ErrPropertyLimit = errors.New("backend: dead property limit")

// PropertyUsage is what a store reads, in the write's transaction, after
// it applied a change of dead properties: the resource's count and the
// bytes of all the dead properties of the principal owning it.
type PropertyUsage struct {
	Count     int
	HomeBytes int64
}

// CheckPropertySet is the rule of every write of dead properties, checked
// before it: no property larger than MaxPropertySize.
func CheckPropertySet(set []Property) error {
	for _, p := range set {
		if len(p.XML) > MaxPropertySize && !IsServerProperty(p.Name) {
			return fmt.Errorf("%w: property %s is %d bytes, at most %d are kept", ErrPropertyLimit, p.Name.Local, len(p.XML), MaxPropertySize)
		}
	}
	return nil
}

// CheckPropertyUsage is the rule checked after a write of dead
// properties, before its commit: the store rolls the write back on error.
func CheckPropertyUsage(u PropertyUsage) error {
	if u.Count > MaxResourceProperties {
		return fmt.Errorf("%w: at most %d dead properties per resource", ErrPropertyLimit, MaxResourceProperties)
	}
	if u.HomeBytes > MaxHomePropertyBytes {
		return fmt.Errorf("%w: at most %d bytes of dead properties per calendar home", ErrPropertyLimit, MaxHomePropertyBytes)
	}
	return nil
}

// ErrInvalidName: a new resource's name (the last segment of its URL) is
// refused (ValidateResourceName).
var ErrInvalidName = errors.New("backend: invalid name")

// ValidateResourceName checks the name of a new object, file or
// collection: clients choose these (UUIDs, or names people type, in any
// script), so any UTF-8 text is allowed except control characters (NUL,
// CR, LF, C1…), '/' and the dot segments, up to 255 bytes, the limit of
// most file systems that a backup or export may write them to.
func ValidateResourceName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	case len(name) > 255:
		return fmt.Errorf("%w: %d bytes, at most 255", ErrInvalidName, len(name))
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: not UTF-8", ErrInvalidName)
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '/' {
			return fmt.Errorf("%w: control characters and '/' are not allowed", ErrInvalidName)
		}
	}
	return nil
}

// CheckNewPath is ValidateResourceName of the last segment of a new
// file's or file collection's path.
func CheckNewPath(p string) error {
	p = strings.TrimSuffix(p, "/")
	return ValidateResourceName(p[strings.LastIndex(p, "/")+1:])
}
