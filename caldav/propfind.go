package caldav

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// propfind implements PROPFIND (RFC 4918 §9.1) with Depth 0 and 1.
func (h *Handler) propfind(w http.ResponseWriter, r *http.Request) error {
	depth, err := dx.ParseDepth(r.Header.Get("Depth"))
	if err != nil {
		return errorf(http.StatusBadRequest, "bad Depth header")
	}
	// A missing Depth means infinity (RFC 4918 §9.1), which is refused.
	if depth.Or(dx.DepthInfinity) == dx.DepthInfinity {
		return conditionf(http.StatusForbidden, condPropfindFiniteDepth, "Depth: infinity is not supported; use 0 or 1")
	}
	body, err := h.readXML(r)
	if err != nil {
		return err
	}
	req, err := dx.DecodePropfind(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	res, err := h.resolve(r.Context(), h.davPath(r))
	if err != nil {
		return err
	}
	if err := h.load(r.Context(), res, false); err != nil {
		return err
	}
	if !res.exists() {
		return errorf(http.StatusNotFound, "no resource at %s", res.path)
	}
	targets := []*resource{res}
	if depth == dx.DepthOne {
		members, err := h.members(r.Context(), res)
		if err != nil {
			return err
		}
		targets = append(targets, members...)
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	mw := dx.NewMultistatusWriter(w)
	user := currentUser(r.Context())
	for _, t := range targets {
		resp, err := h.propResponse(&propCtx{ctx: r.Context(), h: h, user: user, res: t}, req)
		if err != nil {
			// The status line is out: log and end the body well-formed.
			h.logger.ErrorContext(r.Context(), "propfind member failed", "path", t.path, "error", err)
			resp = dx.NewStatusResponse(http.StatusInternalServerError, h.href(t.path))
		}
		if err := mw.WriteResponse(resp); err != nil {
			return nil // client gone
		}
	}
	return mw.Close("", "")
}

// xmlError maps a request-body decoding error to 400 (or 413).
func xmlError(err error) error {
	if errors.Is(err, dx.ErrTooLarge) {
		return errorf(http.StatusRequestEntityTooLarge, "request body too large")
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusRequestEntityTooLarge, "request body too large")
	}
	return errorf(http.StatusBadRequest, "malformed XML request body: %v", err)
}

// readXML reads a request body up to the XML size limit: a larger body is
// 413, whatever its content.
func (h *Handler) readXML(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, h.opts.MaxXMLBody+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "reading the body: %v", err)
	}
	if int64(len(body)) > h.opts.MaxXMLBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, "XML request bodies may be at most %d bytes", h.opts.MaxXMLBody)
	}
	return body, nil
}

// load fetches the object of an object resource (with its data when
// withData), leaving obj nil when it does not exist.
func (h *Handler) load(ctx context.Context, res *resource, withData bool) error {
	if res.kind != resObject || res.cal == nil || res.obj != nil {
		return nil
	}
	var o *backend.Object
	var err error
	if withData {
		o, err = h.store.Object(ctx, res.cal.ID, res.objURI)
	} else {
		var list []*backend.Object
		list, err = h.store.ListObjects(ctx, res.cal.ID, &backend.ListOptions{URIs: []string{res.objURI}})
		if err == nil && len(list) == 0 {
			err = backend.ErrNotFound
		}
		if err == nil {
			o = list[0]
		}
	}
	if errors.Is(err, backend.ErrNotFound) {
		return nil
	}
	res.obj = o
	return err
}

// members lists the resources one level below res.
func (h *Handler) members(ctx context.Context, res *resource) ([]*resource, error) {
	user := currentUser(ctx)
	var out []*resource
	switch res.kind {
	case resRoot:
		out = append(out, &resource{kind: resPrincipals, path: principalsRoot}, &resource{kind: resCalendars, path: calendarsRoot})
	case resPrincipals, resCalendars:
		for _, k := range []backend.PrincipalKind{backend.KindUser, backend.KindRoom, backend.KindResource} {
			kind := resPrincipalKind
			if res.kind == resCalendars {
				kind = resHomeKind
			}
			out = append(out, &resource{kind: kind, pkind: k, path: res.path + k.Collection() + "/"})
		}
	case resPrincipalKind:
		ps, err := h.store.ListPrincipals(ctx, res.pkind)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out = append(out, &resource{kind: resPrincipal, pkind: p.Kind, principal: p, path: principalPath(p)})
		}
	case resPrincipal:
		out = proxyGroups(res)
	case resHomeKind:
		// Only the user's own home is visible.
		if user.Kind == res.pkind {
			out = append(out, &resource{kind: resHome, pkind: user.Kind, principal: user, path: homePath(user)})
		}
	case resHome:
		cals, err := h.store.ListCalendars(ctx, res.principal.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range cals {
			out = append(out, &resource{kind: resCollection, pkind: res.pkind, principal: res.principal, calURI: c.URI, cal: c,
				path: collectionPath(res.principal, c)})
		}
	case resCollection:
		objs, err := h.store.ListObjects(ctx, res.cal.ID, nil)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			out = append(out, objectResource(res, o))
		}
		return h.appendFiles(ctx, out, res, "")
	case resFile:
		return h.appendFiles(ctx, out, res, res.filePath)
	}
	return out, nil
}

// appendFiles appends the plain resources and collections directly in dir
// ("" for the calendar collection coll itself, where they are collections).
func (h *Handler) appendFiles(ctx context.Context, out []*resource, coll *resource, dir string) ([]*resource, error) {
	if coll.cal.Kind != backend.CollectionCalendar || (coll.kind == resFile && !coll.file.IsCollection) {
		return out, nil
	}
	files, err := h.store.ListFiles(ctx, coll.cal.ID, dir)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		out = append(out, fileResource(coll, f.Path, f))
	}
	return out, nil
}

// objectResource is the resource of object o in collection res.
func objectResource(coll *resource, o *backend.Object) *resource {
	return &resource{kind: resObject, pkind: coll.pkind, principal: coll.principal, calURI: coll.calURI, cal: coll.cal,
		objURI: o.URI, obj: o, path: coll.path + o.URI}
}

// propResponse answers a property request for one resource.
func (h *Handler) propResponse(pc *propCtx, req *dx.PropRequest) (*dx.Response, error) {
	if pc.res.kind == resFile {
		return h.filePropResponse(pc, req)
	}
	resp := dx.NewResponse(h.href(pc.res.path))
	var dead []backend.Property
	if pc.res.kind == resCollection || pc.res.kind == resObject {
		var err error
		uri := ""
		if pc.res.kind == resObject {
			uri = pc.res.objURI
		}
		if dead, err = h.store.Properties(pc.ctx, pc.res.cal.ID, uri); err != nil {
			return nil, err
		}
	}
	if pc.res.kind == resHome {
		var err error
		if dead, err = h.store.HomeProperties(pc.ctx, pc.res.principal.ID); err != nil {
			return nil, err
		}
	}
	switch req.Kind {
	case dx.PropNameOnly:
		for name, def := range liveProps {
			if def.kinds.has(pc.res.kind) && def.costlyOn.has(pc.res.kind) {
				resp.AddProp(http.StatusOK, dx.EmptyProp(name))
			} else if def.kinds.has(pc.res.kind) {
				if v, err := def.get(pc); err == nil && v != nil {
					resp.AddProp(http.StatusOK, dx.EmptyProp(name))
				}
			}
		}
		for _, p := range dead {
			if !isInternalProp(p.Name) {
				resp.AddProp(http.StatusOK, dx.EmptyProp(p.Name))
			}
		}
		return resp, nil
	case dx.PropAll:
		for name, def := range liveProps {
			if def.kinds.has(pc.res.kind) && !def.hiddenOn(pc.res.kind) {
				if err := h.addProp(pc, resp, name, dead); err != nil {
					return nil, err
				}
			}
		}
		for _, p := range dead {
			if !isInternalProp(p.Name) {
				addDead(resp, p)
			}
		}
		for _, name := range req.Include {
			if def, ok := liveProps[name]; !ok || def.hiddenOn(pc.res.kind) {
				if err := h.addProp(pc, resp, name, dead); err != nil {
					return nil, err
				}
			}
		}
		return resp, nil
	}
	for _, name := range req.Names {
		if err := h.addProp(pc, resp, name, dead); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// addProp adds one named property to resp: a live value, a dead one, or 404.
func (h *Handler) addProp(pc *propCtx, resp *dx.Response, name xml.Name, dead []backend.Property) error {
	def, live := liveProps[name]
	live = live && def.kinds.has(pc.res.kind)
	return addValue(resp, name, live, func() (*dx.Element, error) { return def.get(pc) }, dead)
}

// addValue adds one property to resp: when it is live for the resource,
// the value get returns (404 if none); otherwise the dead property of that
// name, or 404.
func addValue(resp *dx.Response, name xml.Name, live bool, get func() (*dx.Element, error), dead []backend.Property) error {
	if live {
		v, err := get()
		if err != nil {
			return err
		}
		if v != nil {
			resp.AddProp(http.StatusOK, v)
			return nil
		}
	} else {
		for _, p := range dead {
			if p.Name == name {
				addDead(resp, p)
				return nil
			}
		}
	}
	resp.AddProp(http.StatusNotFound, dx.EmptyProp(name))
	return nil
}

func addDead(resp *dx.Response, p backend.Property) {
	raw, err := dx.ParseRawXML(p.XML)
	if err != nil {
		resp.AddProp(http.StatusNotFound, dx.EmptyProp(p.Name))
		return
	}
	resp.AddProp(http.StatusOK, raw.Prop())
}
