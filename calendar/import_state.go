package calendar

import "encoding/xml"

// NSKalends is the XML namespace of Kalends' own properties.
const NSKalends = "urn:x-kalends:xml:ns"

// ImportStateName is the dead property in which `kalends import --from`
// keeps, per calendar, where the calendar was copied from and what it
// copied (source URL, sync-token, source ETags). It is Kalends' own
// bookkeeping: CalDAV leaves it out of allprop and refuses to change it.
var ImportStateName = xml.Name{Space: NSKalends, Local: "import-state"}
