package caldav

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

func init() { reports[dx.ReportSyncCollection] = (*Handler).reportSync }

// reportSync implements DAV:sync-collection (RFC 6578) on a calendar
// collection (from the change log: the cost grows with the number of
// changes, not the size of the calendar) and on a calendar home with
// sync-level 1 (Apple Calendar polls the home this way). Apple sends Depth:
// 1 and sometimes no sync-level: both are accepted.
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

// syncHome answers a home-level sync-collection with sync-level 1: its
// members are the collections. The token is a digest of the collections'
// state; homes keep no change log of their own, so a token that no longer
// matches is refused with DAV:valid-sync-token and the client starts over
// (RFC 6578 §3.2 lets a server invalidate tokens at any time).
func (h *Handler) syncHome(w http.ResponseWriter, r *http.Request, res *resource, req *dx.SyncCollection) error {
	if req.SyncLevel == "infinite" {
		return errorf(http.StatusForbidden, "sync-level infinite is not supported on a calendar home")
	}
	cals, err := h.store.ListCalendars(r.Context(), res.principal.ID)
	if err != nil {
		return err
	}
	token := homeSyncToken(res.principal, cals)
	if req.SyncToken != "" && req.SyncToken != token {
		return conditionf(http.StatusForbidden, condValidSyncToken, "the calendar home changed: synchronize again from scratch")
	}
	mw := startMultistatus(w)
	if req.SyncToken == "" {
		user := currentUser(r.Context())
		for _, c := range cals {
			member := &resource{kind: resCollection, pkind: res.pkind, principal: res.principal, calURI: c.URI, cal: c,
				path: collectionPath(res.principal, c)}
			resp, err := h.propResponse(&propCtx{ctx: r.Context(), h: h, user: user, res: member}, &req.Prop)
			if err != nil {
				h.logger.ErrorContext(r.Context(), "home sync member failed", "uri", c.URI, "error", err)
				return mw.Close("", "")
			}
			if err := mw.WriteResponse(resp); err != nil {
				return nil
			}
		}
	}
	return mw.Close("", token)
}

// homeSyncToken digests the ids, revisions and modification times of a
// home's collections.
func homeSyncToken(p *backend.Principal, cals []*backend.Calendar) string {
	d := sha256.New()
	for _, c := range cals {
		fmt.Fprintf(d, "%d/%s/%d/%d;", c.ID, c.URI, c.Revision, c.ModifiedAt.Unix())
	}
	return "urn:kalends:home-sync:" + strconv.FormatInt(p.ID, 10) + ":" + base64.RawURLEncoding.EncodeToString(d.Sum(nil)[:12])
}
