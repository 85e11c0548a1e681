package caldav

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// propCtx is what a property getter may read. Expensive values are loaded
// once per resource.
type propCtx struct {
	ctx  context.Context
	h    *Handler
	user *backend.Principal
	res  *resource
}

// kindSet is a set of resource kinds a property applies to.
type kindSet uint16

func kinds(ks ...resKind) kindSet {
	var s kindSet
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

func (s kindSet) has(k resKind) bool { return s&(1<<k) != 0 }

var (
	allKinds      = kinds(resRoot, resPrincipals, resPrincipalKind, resPrincipal, resProxyGroup, resCalendars, resHomeKind, resHome, resCollection, resObject)
	collKinds     = allKinds &^ kinds(resObject, resProxyGroup)
	calendarOnly  = kinds(resCollection)
	principalOnly = kinds(resPrincipal)
)

// propDef describes one live property.
type propDef struct {
	kinds kindSet
	// get returns the value, or nil when the resource has no such value
	// (reported 404 in its propstat).
	get func(pc *propCtx) (*dx.Element, error)
	// set applies a PROPPATCH/MKCALENDAR value to a calendar update; nil
	// for protected properties. remove is true for a DAV:remove.
	set func(u *backend.CalendarUpdate, v *dx.Element, remove bool) error
	// hidden properties are left out of allprop (RFC 4918 §9.1: expensive
	// or CalDAV-defined ones the client must ask for by name).
	hidden bool
	// costlyOn are the kinds where the value is expensive to compute: there
	// the property is hidden from allprop and propname lists it without
	// computing it.
	costlyOn kindSet
}

// hiddenOn reports whether allprop leaves the property out on kind k.
func (d *propDef) hiddenOn(k resKind) bool { return d.hidden || d.costlyOn.has(k) }

// liveProps is the property table.
var liveProps map[xml.Name]*propDef

func init() {
	liveProps = map[xml.Name]*propDef{}
	registerDAVProps()
	registerPrincipalProps()
	registerProxyProps()
	registerCalendarProps()
	registerObjectProps()
	registerFeedProps()
}

func register(name xml.Name, d *propDef) { liveProps[name] = d }

// Privileges (RFC 3744 §3, RFC 4791 §6.1.1).
var (
	privRead         = dx.DAVName("read")
	privWrite        = dx.DAVName("write")
	privWriteProps   = dx.DAVName("write-properties")
	privWriteContent = dx.DAVName("write-content")
	privBind         = dx.DAVName("bind")
	privUnbind       = dx.DAVName("unbind")
	privReadACL      = dx.DAVName("read-acl")
	privReadCUPS     = dx.DAVName("read-current-user-privilege-set")
	privAll          = dx.DAVName("all")
	privReadFreeBusy = dx.CalDAVName("read-free-busy")
)

func registerDAVProps() {
	register(dx.DAVName("resourcetype"), &propDef{kinds: allKinds, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.ResourceType(resourceTypes(pc.res)...), nil
	}})
	register(dx.DAVName("current-user-principal"), &propDef{kinds: allKinds, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.HrefProp(dx.DAVName("current-user-principal"), pc.h.href(principalPath(pc.user))), nil
	}})
	register(dx.DAVName("principal-collection-set"), &propDef{kinds: allKinds, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.HrefProp(dx.DAVName("principal-collection-set"), pc.h.href(principalsRoot)), nil
	}})
	register(dx.DAVName("displayname"), &propDef{kinds: allKinds &^ kinds(resObject), get: getDisplayName,
		set: func(u *backend.CalendarUpdate, v *dx.Element, remove bool) error {
			s := ""
			if !remove {
				s = v.TextContent()
			}
			u.DisplayName = &s
			return nil
		}})
	register(dx.DAVName("owner"), &propDef{kinds: kinds(resHome, resCollection, resObject, resPrincipal, resProxyGroup), get: func(pc *propCtx) (*dx.Element, error) {
		return dx.HrefProp(dx.DAVName("owner"), pc.h.href(principalPath(pc.res.principal))), nil
	}})
	register(dx.DAVName("current-user-privilege-set"), &propDef{kinds: allKinds, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.CurrentUserPrivilegeSet(privileges(pc)...), nil
	}})
	register(dx.DAVName("supported-report-set"), &propDef{kinds: allKinds, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.SupportedReportSet(supportedReports(pc.res)...), nil
	}})
	register(dx.DAVName("getlastmodified"), &propDef{kinds: kinds(resCollection, resObject), get: func(pc *propCtx) (*dx.Element, error) {
		t := pc.res.modified()
		if t.IsZero() {
			return nil, nil
		}
		return dx.TextProp(dx.DAVName("getlastmodified"), t.UTC().Format(http.TimeFormat)), nil
	}})
	register(dx.DAVName("creationdate"), &propDef{kinds: kinds(resCollection, resObject), get: func(pc *propCtx) (*dx.Element, error) {
		t := pc.res.created()
		if t.IsZero() {
			return nil, nil
		}
		return dx.TextProp(dx.DAVName("creationdate"), t.UTC().Format(time.RFC3339)), nil
	}})
	// A home's sync-token and getctag change with anything below it (its
	// change log's revision, RFC 6578 §3.3), a collection's with its members.
	register(dx.DAVName("sync-token"), &propDef{kinds: kinds(resCollection, resHome), hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		if pc.res.kind == resHome {
			rev, err := pc.h.store.HomeRevision(pc.ctx, pc.res.principal.ID)
			if err != nil {
				return nil, err
			}
			return dx.TextProp(dx.DAVName("sync-token"), backend.HomeSyncToken(pc.res.principal.ID, rev)), nil
		}
		return dx.TextProp(dx.DAVName("sync-token"), backend.SyncToken(pc.res.cal.ID, pc.res.cal.Revision)), nil
	}})
	register(dx.CSName("getctag"), &propDef{kinds: kinds(resCollection, resHome), hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		if pc.res.kind == resHome {
			rev, err := pc.h.store.HomeRevision(pc.ctx, pc.res.principal.ID)
			if err != nil {
				return nil, err
			}
			return dx.TextProp(dx.CSName("getctag"), homeCtag(pc.res.principal, rev)), nil
		}
		return dx.TextProp(dx.CSName("getctag"), ctag(pc.res.cal)), nil
	}})
	register(dx.DAVName("quota-used-bytes"), &propDef{kinds: kinds(resCollection), hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		n, err := pc.h.store.Usage(pc.ctx, pc.res.cal.ID)
		if err != nil {
			return nil, err
		}
		return dx.TextProp(dx.DAVName("quota-used-bytes"), strconv.FormatInt(n, 10)), nil
	}})
	register(dx.DAVName("quota-available-bytes"), &propDef{kinds: kinds(resCollection), hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		n, err := pc.h.store.Usage(pc.ctx, pc.res.cal.ID)
		if err != nil {
			return nil, err
		}
		return dx.TextProp(dx.DAVName("quota-available-bytes"), strconv.FormatInt(max(0, quotaBytes-n), 10)), nil
	}})
}

// quotaBytes is the space a collection may use. There are no per-user
// quotas yet; clients (Apple) still want a number.
const quotaBytes = 1 << 30

// ctag is Apple's collection tag: it changes whenever a member changes.
func ctag(c *backend.Calendar) string {
	return `"` + strconv.FormatInt(c.ID, 36) + "-" + strconv.FormatInt(c.Revision, 10) + `"`
}

// homeCtag is a calendar home's getctag at a home revision.
func homeCtag(p *backend.Principal, rev int64) string {
	return `"h` + strconv.FormatInt(p.ID, 36) + "-" + strconv.FormatInt(rev, 10) + `"`
}

func getDisplayName(pc *propCtx) (*dx.Element, error) {
	name := ""
	switch pc.res.kind {
	case resRoot:
		name = "Kalends"
	case resPrincipal, resHome:
		name = pc.res.principal.Display()
	case resProxyGroup:
		name = pc.res.principal.Display() + " (read-only delegates)"
		if pc.res.proxyWrite {
			name = pc.res.principal.Display() + " (delegates)"
		}
	case resCollection:
		name = pc.res.cal.DisplayName
	case resPrincipalKind, resHomeKind:
		name = pc.res.pkind.Collection()
	case resPrincipals:
		name = "Principals"
	case resCalendars:
		name = "Calendars"
	}
	return dx.TextProp(dx.DAVName("displayname"), name), nil
}

// resourceTypes lists the DAV:resourcetype of a resource.
func resourceTypes(r *resource) []xml.Name {
	coll := dx.DAVName("collection")
	switch r.kind {
	case resObject:
		return nil
	case resPrincipal:
		return []xml.Name{coll, dx.DAVName("principal")}
	case resProxyGroup:
		if r.proxyWrite {
			return []xml.Name{dx.DAVName("principal"), dx.CSName("calendar-proxy-write")}
		}
		return []xml.Name{dx.DAVName("principal"), dx.CSName("calendar-proxy-read")}
	case resCollection:
		switch r.cal.Kind {
		case backend.CollectionInbox:
			return []xml.Name{coll, dx.CalDAVName("schedule-inbox")}
		case backend.CollectionOutbox:
			return []xml.Name{coll, dx.CalDAVName("schedule-outbox")}
		}
		return []xml.Name{coll, dx.CalDAVName("calendar")}
	}
	return []xml.Name{coll}
}

// privileges is the truth about what the user may do to a resource (RFC
// 3744 §5.4): everything in their own home and in those delegated to them
// read-write, reading elsewhere.
func privileges(pc *propCtx) []xml.Name {
	user, r := pc.user, pc.res
	read := []xml.Name{privRead, privReadCUPS, privReadFreeBusy}
	if r.kind != resPrincipal && pc.h.mayWrite(pc.ctx, r) {
		own := append(read, privAll, privWrite, privWriteProps, privWriteContent, privBind, privUnbind, privReadACL)
		// The scheduling privileges of RFC 6638 §6: the owner sends from
		// the outbox (§6.2, free-busy POST) and the server delivers to
		// the inbox (§6.1).
		if r.kind == resCollection && r.cal != nil {
			switch r.cal.Kind {
			case backend.CollectionOutbox:
				own = append(own, dx.CalDAVName("schedule-send"))
			case backend.CollectionInbox:
				own = append(own, dx.CalDAVName("schedule-deliver"))
			}
		}
		return own
	}
	if (r.kind == resPrincipal || r.kind == resProxyGroup) && r.ownedBy(user) {
		return append(read, privWriteProps)
	}
	return read
}

// supportedReports is DAV:supported-report-set (RFC 3253 §3.1.5).
func supportedReports(r *resource) []xml.Name {
	common := []xml.Name{dx.DAVName("expand-property"), dx.DAVName("principal-property-search"),
		dx.DAVName("principal-search-property-set"), dx.DAVName("principal-match"), dx.DAVName("acl-principal-prop-set"),
		dx.CSName("calendarserver-principal-search")}
	switch r.kind {
	case resCollection:
		if r.cal.Kind == backend.CollectionOutbox {
			return common
		}
		return append(common, dx.CalDAVName("calendar-query"), dx.CalDAVName("calendar-multiget"),
			dx.CalDAVName("free-busy-query"), dx.DAVName("sync-collection"))
	case resObject:
		return append(common, dx.CalDAVName("calendar-multiget"), dx.CalDAVName("calendar-query"))
	case resHome:
		return append(common, dx.DAVName("sync-collection"), dx.CalDAVName("free-busy-query"))
	}
	return common
}

func (r *resource) modified() time.Time {
	switch {
	case r.kind == resObject && r.obj != nil:
		return r.obj.ModifiedAt
	case r.kind == resCollection && r.cal != nil:
		return r.cal.ModifiedAt
	}
	return time.Time{}
}

func (r *resource) created() time.Time {
	switch {
	case r.kind == resObject && r.obj != nil:
		return r.obj.CreatedAt
	case r.kind == resCollection && r.cal != nil:
		return r.cal.CreatedAt
	}
	return time.Time{}
}
