package caldav

import (
	"bytes"
	"net/http"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

func init() { reports[dx.ReportSyncCollection] = (*Handler).reportSync }

// reportSync implements DAV:sync-collection (RFC 6578) on a calendar
// collection (from the change log: the cost grows with the number of
// changes, not the size of the calendar) and on a calendar home, with
// sync-level 1 (Apple Calendar polls the home this way) or infinite (from
// the home's change log). Apple sends Depth: 1 and sometimes no
// sync-level: both are accepted.
func (h *Handler) reportSync(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	req, err := dx.DecodeSyncCollection(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	switch req.SyncLevel {
	case "", "1", "infinite":
	default:
		return errorf(http.StatusBadRequest, "sync-level must be 1 or infinite")
	}
	if res.kind == resHome {
		return h.syncHome(w, r, res, req)
	}
	if res.kind != resCollection {
		return conditionf(http.StatusForbidden, condSupportedReport, "sync-collection needs a collection")
	}
	since := int64(0)
	if req.SyncToken != "" {
		if since, err = backend.ParseSyncToken(res.cal.ID, req.SyncToken); err != nil {
			return conditionf(http.StatusForbidden, condValidSyncToken, "the sync token is not valid for this collection")
		}
	}
	cs, err := h.store.Changes(r.Context(), res.cal.ID, since, req.Limit)
	if err != nil {
		return err
	}
	var present []string
	for _, c := range cs.Changes {
		if !c.Deleted {
			present = append(present, c.URI)
		}
	}
	objs, err := h.store.ListObjects(r.Context(), res.cal.ID, &backend.ListOptions{URIs: present})
	if err != nil {
		return err
	}
	byURI := make(map[string]*backend.Object, len(objs))
	for _, o := range objs {
		byURI[o.URI] = o
	}
	mw := startMultistatus(w)
	user := currentUser(r.Context())
	for _, c := range cs.Changes {
		o := byURI[c.URI]
		var resp *dx.Response
		switch {
		case o != nil:
			resp, err = h.propResponse(&propCtx{ctx: r.Context(), h: h, user: user, res: objectResource(res, o)}, &req.Prop)
			if err != nil {
				// Headers are out: log, and end the body well-formed.
				h.logger.ErrorContext(r.Context(), "sync-collection member failed", "uri", c.URI, "error", err)
				return mw.Close("", "")
			}
		case since == 0:
			// An initial sync lists only existing members (RFC 6578 §3.4).
			continue
		default:
			// Deleted, or deleted again after this change was read.
			resp = dx.NewStatusResponse(http.StatusNotFound, h.href(res.path+c.URI))
		}
		if err := mw.WriteResponse(resp); err != nil {
			return nil
		}
	}
	if cs.Truncated {
		// RFC 6578 §3.6: the collection itself answers 507 and the token
		// lets the client continue where this page ends.
		resp := dx.NewStatusResponse(http.StatusInsufficientStorage, h.href(res.path))
		resp.Error = []*dx.Element{dx.Condition(condNumberOfMatchesInLimits)}
		if err := mw.WriteResponse(resp); err != nil {
			return nil
		}
	}
	return mw.Close("", backend.SyncToken(res.cal.ID, cs.Revision))
}

// syncHome answers a sync-collection on a calendar home from the home's
// change log (RFC 6578 §3.3). Its members are the collections: with
// sync-level 1 those created, deleted or changed since the token (a
// PROPPATCH, or a change of their members, which changes their getctag and
// sync-token); with sync-level infinite also the changed objects of the
// collections. A deleted collection is reported alone, not its objects. A
// token stays valid across any number of changes; the cost grows with the
// number of changes, not with the size of the home.
func (h *Handler) syncHome(w http.ResponseWriter, r *http.Request, res *resource, req *dx.SyncCollection) error {
	since := int64(0)
	if req.SyncToken != "" {
		var err error
		if since, err = backend.ParseHomeSyncToken(res.principal.ID, req.SyncToken); err != nil {
			return conditionf(http.StatusForbidden, condValidSyncToken, "the sync token is not valid for this calendar home")
		}
	}
	cs, err := h.store.HomeChanges(r.Context(), res.principal.ID,
		backend.HomeChangesQuery{Since: since, Objects: req.SyncLevel == "infinite", Limit: req.Limit})
	if err != nil {
		return err
	}
	members, err := h.homeMembers(r, res, cs)
	if err != nil {
		return err
	}
	mw := startMultistatus(w)
	user := currentUser(r.Context())
	for _, c := range cs.Changes {
		member, href := members.find(c)
		var resp *dx.Response
		switch {
		case member != nil:
			resp, err = h.propResponse(&propCtx{ctx: r.Context(), h: h, user: user, res: member}, &req.Prop)
			if err != nil {
				h.logger.ErrorContext(r.Context(), "home sync member failed", "href", href, "error", err)
				return mw.Close("", "")
			}
		case since == 0:
			// An initial sync lists only existing members (RFC 6578 §3.4).
			continue
		default:
			resp = dx.NewStatusResponse(http.StatusNotFound, h.href(href))
		}
		if err := mw.WriteResponse(resp); err != nil {
			return nil
		}
	}
	if cs.Truncated {
		resp := dx.NewStatusResponse(http.StatusInsufficientStorage, h.href(res.path))
		resp.Error = []*dx.Element{dx.Condition(condNumberOfMatchesInLimits)}
		if err := mw.WriteResponse(resp); err != nil {
			return nil
		}
	}
	return mw.Close("", backend.HomeSyncToken(res.principal.ID, cs.Revision))
}

// homeMembers holds the present state of the resources a home's change
// set names: its collections, and the changed objects in them.
type homeMembers struct {
	home    *resource
	colls   map[string]*resource
	objects map[string]map[string]*resource // by collection URI, then object URI
}

// homeMembers reads the home's collections (a few rows) and, per
// collection, the objects the change set names as present, in one query
// each.
func (h *Handler) homeMembers(r *http.Request, home *resource, cs *backend.HomeChangeSet) (*homeMembers, error) {
	m := &homeMembers{home: home, colls: map[string]*resource{}, objects: map[string]map[string]*resource{}}
	cals, err := h.store.ListCalendars(r.Context(), home.principal.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range cals {
		m.colls[c.URI] = &resource{kind: resCollection, pkind: home.pkind, principal: home.principal, calURI: c.URI, cal: c,
			path: collectionPath(home.principal, c)}
	}
	wanted := map[string][]string{}
	for _, c := range cs.Changes {
		if c.Object != "" && !c.Deleted && m.colls[c.Collection] != nil {
			wanted[c.Collection] = append(wanted[c.Collection], c.Object)
		}
	}
	for uri, objURIs := range wanted {
		coll := m.colls[uri]
		objs, err := h.store.ListObjects(r.Context(), coll.cal.ID, &backend.ListOptions{URIs: objURIs})
		if err != nil {
			return nil, err
		}
		m.objects[uri] = make(map[string]*resource, len(objs))
		for _, o := range objs {
			m.objects[uri][o.URI] = objectResource(coll, o)
		}
	}
	return m, nil
}

// find returns the present resource a change names (nil when it is gone)
// and its path.
func (m *homeMembers) find(c backend.HomeChange) (*resource, string) {
	path := m.home.path + c.Collection + "/"
	if c.Object == "" {
		return m.colls[c.Collection], path
	}
	return m.objects[c.Collection][c.Object], path + c.Object
}
