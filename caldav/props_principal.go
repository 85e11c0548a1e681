package caldav

import (
	"crypto/sha1"
	"fmt"
	"strconv"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

func registerPrincipalProps() {
	hrefProp := func(name string, space string, path func(p *backend.Principal) string) {
		n := dx.Name(space, name)
		register(n, &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
			return dx.HrefProp(n, pc.h.href(path(pc.res.principal))), nil
		}})
	}
	hrefProp("calendar-home-set", dx.NSCalDAV, homePath)
	hrefProp("schedule-inbox-URL", dx.NSCalDAV, func(p *backend.Principal) string { return homePath(p) + "inbox/" })
	hrefProp("schedule-outbox-URL", dx.NSCalDAV, func(p *backend.Principal) string { return homePath(p) + "outbox/" })

	// The preferred mailto: address first: clients put it in ORGANIZER
	// (what Apple Calendar, Thunderbird, DAVx5 and Evolution ask for); the principal URL last, as Apple Calendar Server does.
	register(dx.CalDAVName("calendar-user-address-set"), &propDef{kinds: principalOnly, hidden: true,
		get: func(pc *propCtx) (*dx.Element, error) {
			p := pc.res.principal
			var hrefs []string
			for _, e := range p.Emails {
				hrefs = append(hrefs, "mailto:"+e)
			}
			hrefs = append(hrefs, pc.h.href(principalPath(p)))
			return dx.HrefProp(dx.CalDAVName("calendar-user-address-set"), hrefs...), nil
		}})
	register(dx.DAVName("alternate-URI-set"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		var hrefs []string
		for _, e := range pc.res.principal.Emails {
			hrefs = append(hrefs, "mailto:"+e)
		}
		return dx.HrefProp(dx.DAVName("alternate-URI-set"), hrefs...), nil
	}})
	register(dx.CSName("email-address-set"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		el := dx.NewElement(dx.CSName("email-address-set"))
		for _, e := range pc.res.principal.Emails {
			el.Children = append(el.Children, dx.TextElement(dx.CSName("email-address"), e))
		}
		return el, nil
	}})
	register(dx.CalDAVName("calendar-user-type"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.TextProp(dx.CalDAVName("calendar-user-type"), cuType(pc.res.principal.Kind)), nil
	}})
	register(dx.DAVName("resource-id"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.HrefProp(dx.DAVName("resource-id"), principalUUID(pc.res.principal)), nil
	}})
	// Apple's directory record type: rooms are "locations", which is how
	// macOS offers them in the location field.
	register(dx.CSName("record-type"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		rt := map[backend.PrincipalKind]string{backend.KindUser: "users", backend.KindRoom: "locations", backend.KindResource: "resources"}
		return dx.TextProp(dx.CSName("record-type"), rt[pc.res.principal.Kind]), nil
	}})
	register(dx.CSName("first-name"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.TextProp(dx.CSName("first-name"), nameParts(pc.res.principal)[0]), nil
	}})
	register(dx.CSName("last-name"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.TextProp(dx.CSName("last-name"), nameParts(pc.res.principal)[1]), nil
	}})
	// Rooms' capacity and location. No standard WebDAV or CalDAV property
	// carries them, and Apple's calendarserver.org namespace has none
	// either (its location records have no seat count), so they are
	// Kalends properties in the namespace davxml already uses for its own
	// elements: K:capacity (seats, a decimal integer; absent when unknown)
	// and K:location (free text). Clients that do not know them ignore
	// them; ours and scripts can read them with PROPFIND.
	register(dx.Name(dx.NSKalends, "capacity"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		p := pc.res.principal
		if p.Kind != backend.KindRoom || p.Capacity <= 0 {
			return nil, nil
		}
		return dx.TextProp(dx.Name(dx.NSKalends, "capacity"), strconv.Itoa(p.Capacity)), nil
	}})
	register(dx.Name(dx.NSKalends, "location"), &propDef{kinds: principalOnly, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		if pc.res.principal.Location == "" {
			return nil, nil
		}
		return dx.TextProp(dx.Name(dx.NSKalends, "location"), pc.res.principal.Location), nil
	}})
}

// cuType is the iCalendar CUTYPE (RFC 5545 §3.2.3) of a principal kind.
func cuType(k backend.PrincipalKind) string {
	switch k {
	case backend.KindRoom:
		return "ROOM"
	case backend.KindResource:
		return "RESOURCE"
	}
	return "INDIVIDUAL"
}

// principalUUID is a stable urn:uuid for a principal (RFC 4122 §4.3 style,
// name-based on the principal's kind and name).
func principalUUID(p *backend.Principal) string {
	sum := sha1.Sum([]byte("kalends:principal:" + string(p.Kind) + "/" + p.Name))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
