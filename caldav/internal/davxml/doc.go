// Package davxml implements the XML layer of the Kalends CalDAV server: the
// request bodies it decodes, the response bodies it encodes and the WebDAV
// request headers it parses. It is pure code: no storage, no HTTP handlers.
//
// The package covers the XML vocabularies of
//
//   - RFC 4918, HTTP Extensions for WebDAV (PROPFIND, PROPPATCH, multistatus,
//     DAV:error, the Depth, If, Overwrite and Destination headers);
//   - RFC 3744, WebDAV Access Control Protocol (principal-property-search,
//     principal-search-property-set, principal-match, acl-principal-prop-set,
//     current-user-privilege-set);
//   - RFC 3253 §3.8, the DAV:expand-property report;
//   - RFC 4791, CalDAV (MKCALENDAR, calendar-query, calendar-multiget,
//     free-busy-query, calendar-data, time-range values);
//   - RFC 5689, Extended MKCOL;
//   - RFC 6578, Collection Synchronization (sync-collection, sync-token);
//   - RFC 6638, CalDAV Scheduling (schedule-response);
//   - RFC 7809, CalDAV time zones by reference (timezone-id);
//   - Apple's calendarserver.org extensions (calendarserver-principal-search).
//
// Requests are parsed into a generic [Element] tree with hard limits on size,
// nesting depth and element count ([DefaultLimits]); DOCTYPE declarations
// and therefore entity definitions are rejected. The typed decoders walk that
// tree, ignore unknown elements as RFC 4918 §17 requires, and report
// malformed bodies with errors matching [ErrMalformed].
//
// Responses are written by a small namespace-aware writer that declares the
// common namespaces once on the root element with the stable prefixes D:,
// C:, CS: and ICAL:, and declares any other namespace on the element that
// uses it. Dead properties are kept verbatim as [RawXML] values.
//
// Hrefs are handled verbatim by the encoders and decoders: use [EncodeHref]
// to turn a path into an href and [DecodeHref] for the reverse.
package davxml

import "encoding/xml"

// XML namespaces used by WebDAV, CalDAV and their extensions.
const (
	// NSDAV is the WebDAV namespace (RFC 4918).
	NSDAV = "DAV:"
	// NSCalDAV is the CalDAV namespace (RFC 4791).
	NSCalDAV = "urn:ietf:params:xml:ns:caldav"
	// NSCalendarServer is Apple's calendarserver.org namespace.
	NSCalendarServer = "http://calendarserver.org/ns/"
	// NSAppleICal is Apple's iCal namespace (calendar-color, calendar-order).
	NSAppleICal = "http://apple.com/ns/ical/"
	// NSKalends is the namespace of Kalends' own elements, such as the
	// human-readable message inside a DAV:error body.
	NSKalends = "urn:x-kalends:xml:ns"
	// NSXML is the namespace bound to the reserved "xml" prefix (xml:lang).
	NSXML = "http://www.w3.org/XML/1998/namespace"
)

// DAVName returns the name local in the DAV: namespace.
func DAVName(local string) xml.Name { return xml.Name{Space: NSDAV, Local: local} }

// CalDAVName returns the name local in the CalDAV namespace.
func CalDAVName(local string) xml.Name { return xml.Name{Space: NSCalDAV, Local: local} }

// CSName returns the name local in Apple's calendarserver.org namespace.
func CSName(local string) xml.Name { return xml.Name{Space: NSCalendarServer, Local: local} }

// ICalName returns the name local in Apple's iCal namespace.
func ICalName(local string) xml.Name { return xml.Name{Space: NSAppleICal, Local: local} }

// Name returns the name local in namespace space.
func Name(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

// otherPrefixes are preferred prefixes for namespaces declared where used.
var otherPrefixes = []struct{ prefix, space string }{
	{"K", NSKalends},
}

// wellKnownPrefixes are declared on the root of every document the package
// writes, in this order.
var wellKnownPrefixes = []struct{ prefix, space string }{
	{"D", NSDAV},
	{"C", NSCalDAV},
	{"CS", NSCalendarServer},
	{"ICAL", NSAppleICal},
}
