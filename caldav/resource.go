package caldav

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kalends/kalends/backend"
)

// resKind is the kind of resource a path names.
type resKind int

const (
	resRoot          resKind = iota // "/" and "/dav/"
	resPrincipals                   // /dav/principals/
	resPrincipalKind                // /dav/principals/users/
	resPrincipal                    // /dav/principals/users/NAME/
	resCalendars                    // /dav/calendars/
	resHomeKind                     // /dav/calendars/users/
	resHome                         // /dav/calendars/users/NAME/
	resCollection                   // /dav/calendars/users/NAME/CAL/
	resObject                       // /dav/calendars/users/NAME/CAL/OBJ
	resFile                         // /dav/calendars/users/NAME/CAL/COL/… (files.go)
	resProxyGroup                   // /dav/principals/users/NAME/calendar-proxy-write/ (props_proxy.go)
)

// resource is what a request path resolves to. Collections and objects may
// not exist yet (cal == nil, obj == nil) for methods that create them.
type resource struct {
	kind       resKind
	path       string // canonical path; collections end in "/"
	pkind      backend.PrincipalKind
	principal  *backend.Principal // owner, for principal/home/collection/object
	calURI     string
	cal        *backend.Calendar
	objURI     string
	obj        *backend.Object // loaded by handlers that need it
	filePath   string          // resFile: path relative to the calendar
	file       *backend.File   // resFile: nil when it does not exist
	proxyWrite bool            // resProxyGroup: the read-write group
}

// isCollection reports whether the resource is a collection.
func (r *resource) isCollection() bool {
	switch r.kind {
	case resObject, resProxyGroup:
		return false
	case resFile:
		return strings.HasSuffix(r.filePath, "/")
	}
	return true
}

// exists reports whether the resource exists.
func (r *resource) exists() bool {
	switch r.kind {
	case resCollection:
		return r.cal != nil
	case resObject:
		return r.obj != nil
	case resFile:
		return r.file != nil
	}
	return true
}

// ownedBy reports whether user is the principal the resource belongs to.
func (r *resource) ownedBy(user *backend.Principal) bool {
	return r.principal != nil && user != nil && r.principal.ID == user.ID
}

func kindFromSegment(seg string) (backend.PrincipalKind, bool) {
	k := backend.PrincipalKind(strings.TrimSuffix(seg, "s"))
	return k, k.Valid() && k.Collection() == seg
}

// principalPath and homePath build the canonical paths of a principal.
func principalPath(p *backend.Principal) string {
	return principalsRoot + p.Kind.Collection() + "/" + p.Name + "/"
}

func homePath(p *backend.Principal) string {
	return calendarsRoot + p.Kind.Collection() + "/" + p.Name + "/"
}

func collectionPath(p *backend.Principal, c *backend.Calendar) string {
	return homePath(p) + c.URI + "/"
}

// resolve maps a request path to a resource. It loads the principal and
// collection (when they exist) and enforces access: a user reaches their
// own home and those delegated to them (access.go); any other home answers
// 403 whether or not it exists, so that names do not leak. Principal
// resources are readable by every user (they are the directory that
// attendee search reads).
func (h *Handler) resolve(ctx context.Context, path string) (*resource, error) {
	if res, ok := resolvedFor(ctx, path); ok {
		return res, nil
	}
	if path == "/" || path == "/dav" || path == davRoot {
		return &resource{kind: resRoot, path: davRoot}, nil
	}
	if strings.ContainsRune(path, 0) || !utf8.ValidString(path) {
		// No stored name holds them (PostgreSQL cannot even compare
		// them); new names are checked by backend.ValidateResourceName.
		return nil, errorf(http.StatusBadRequest, "the path holds a NUL byte or bytes that are not UTF-8")
	}
	rest, ok := strings.CutPrefix(path, davRoot)
	if !ok {
		return nil, errorf(http.StatusNotFound, "no resource at %s", path)
	}
	trailing := strings.HasSuffix(rest, "/")
	segs := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return nil, errorf(http.StatusNotFound, "no resource at %s", path)
		}
	}
	user := currentUser(ctx)
	switch segs[0] {
	case "principals":
		return h.resolvePrincipal(ctx, path, segs[1:])
	case "calendars":
	default:
		return nil, errorf(http.StatusNotFound, "no resource at %s", path)
	}
	if len(segs) == 1 {
		return &resource{kind: resCalendars, path: calendarsRoot}, nil
	}
	kind, ok := kindFromSegment(segs[1])
	if !ok {
		return nil, errorf(http.StatusNotFound, "no resource at %s", path)
	}
	if len(segs) == 2 {
		return &resource{kind: resHomeKind, path: calendarsRoot + segs[1] + "/", pkind: kind}, nil
	}
	owner := user
	if user == nil || user.Kind != kind || user.Name != segs[2] {
		var err error
		if owner, err = h.delegatedHome(ctx, kind, segs[2]); err != nil {
			return nil, err
		}
	}
	res := &resource{kind: resHome, pkind: kind, principal: owner, path: homePath(owner)}
	if len(segs) == 3 {
		return res, nil
	}
	res.calURI = segs[3]
	res.kind = resCollection
	res.path += segs[3] + "/"
	cal, err := h.store.Calendar(ctx, owner.ID, segs[3])
	switch {
	case err == nil:
		res.cal = cal
	case !errors.Is(err, backend.ErrNotFound):
		return nil, err
	}
	if len(segs) == 4 {
		return res, nil
	}
	if file, ok, err := h.resolveFile(ctx, res, segs[4:], trailing); ok || err != nil {
		return file, err
	}
	if len(segs) > 5 || trailing || res.cal == nil {
		// Nothing lives below an object, and objects need a collection.
		return &resource{kind: resObject, path: path, principal: owner, calURI: segs[3], cal: res.cal, objURI: segs[len(segs)-1]},
			errMissingParent
	}
	res.kind = resObject
	res.objURI = segs[4]
	res.path = homePath(owner) + segs[3] + "/" + segs[4]
	return res, nil
}

// errMissingParent marks a path whose parent collection does not exist:
// 404 for reads, 409 Conflict for writes (RFC 4918 §9.7.1).
var errMissingParent = errorf(http.StatusNotFound, "the parent collection does not exist")

func (h *Handler) resolvePrincipal(ctx context.Context, path string, segs []string) (*resource, error) {
	if len(segs) == 0 {
		return &resource{kind: resPrincipals, path: principalsRoot}, nil
	}
	kind, ok := kindFromSegment(segs[0])
	if !ok || len(segs) > 3 {
		return nil, errorf(http.StatusNotFound, "no resource at %s", path)
	}
	if len(segs) == 1 {
		return &resource{kind: resPrincipalKind, path: principalsRoot + segs[0] + "/", pkind: kind}, nil
	}
	p, err := h.store.Principal(ctx, kind, segs[1])
	if errors.Is(err, backend.ErrNotFound) {
		return nil, errorf(http.StatusNotFound, "no principal at %s", path)
	} else if err != nil {
		return nil, err
	}
	res := &resource{kind: resPrincipal, pkind: kind, principal: p, path: principalPath(p)}
	if len(segs) == 3 {
		return proxyGroup(res, segs[2], path)
	}
	return res, nil
}
