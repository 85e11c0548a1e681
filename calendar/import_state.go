package calendar

import (
	"encoding/xml"

	"github.com/kalends/kalends/backend"
)

// ImportStateName is the dead property in which `kalends import --from`
// keeps, per calendar, where the calendar was copied from and what it
// copied (source URL, sync-token, source ETags). It is Kalends' own
// bookkeeping: CalDAV leaves it out of allprop and refuses to change it.
var ImportStateName = xml.Name{Space: backend.ServerNamespace, Local: backend.ServerPropertyPrefix + "state"}
