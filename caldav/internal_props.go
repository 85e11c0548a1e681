package caldav

import (
	"encoding/xml"

	"github.com/kalends/kalends/backend"
)

// isInternalProp reports whether a dead property is bookkeeping kept by
// Kalends itself rather than by a client. Such properties are left out of
// allprop and propname answers (RFC 4918 §9.1 lets a server leave out what
// it would not want every client to download) and refused by PROPPATCH as
// protected (§16 DAV:cannot-modify-protected-property), so a client can
// neither stumble on them nor break them; asked for by name they are
// answered like any dead property. calendar.ImportStateName is one.
func isInternalProp(name xml.Name) bool { return backend.IsServerProperty(name) }
