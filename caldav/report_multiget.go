package caldav

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

func init() {
	reports[dx.ReportCalendarMultiget] = (*Handler).reportMultiget
}

// nameCalendarData is C:calendar-data, which REPORTs render themselves.
var nameCalendarData = dx.CalDAVName("calendar-data")

// reportMultiget implements CALDAV:calendar-multiget (RFC 4791 §7.9) on a
// calendar collection or one of its objects: one response per distinct
// href, 404 for hrefs that name nothing in the addressed resource
// (another user's objects included: they are never looked up).
func (h *Handler) reportMultiget(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	m, err := dx.DecodeCalendarMultiget(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	if m.Prop.Kind == dx.PropNone {
		return errorf(http.StatusBadRequest, "calendar-multiget needs DAV:prop, DAV:allprop or DAV:propname")
	}
	if err := checkCalendarDataRequest(m.Prop.CalendarData); err != nil {
		return err
	}
	coll := collectionOf(res)
	type target struct{ href, uri string }
	var targets []target
	var uris []string
	seen := map[string]bool{}
	for _, raw := range m.Hrefs {
		uri := h.memberURI(raw, res)
		key := raw
		if uri != "" {
			key = "\x00" + uri
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		href := raw
		if uri != "" {
			href = h.href(coll.path + uri)
			uris = append(uris, uri)
		}
		targets = append(targets, target{href, uri})
	}
	objs := map[string]*backend.Object{}
	if len(uris) > 0 {
		list, err := h.store.ListObjects(r.Context(), res.cal.ID,
			&backend.ListOptions{URIs: uris, WithData: needsData(&m.Prop)})
		if err != nil {
			return err
		}
		for _, o := range list {
			objs[o.URI] = o
		}
	}
	mw := startMultistatus(w)
	budget := h.newExpandBudget()
	for _, t := range targets {
		var resp *dx.Response
		cut := false
		if o := objs[t.uri]; o == nil {
			resp = dx.NewStatusResponse(http.StatusNotFound, t.href)
		} else if resp, err = h.objectResponse(r.Context(), coll, o, &m.Prop, h.svc.ExpandOptions(coll.cal), budget); errors.Is(err, errInstanceBudget) {
			resp, cut = h.truncatedResponse(res.path), true
		} else if err != nil {
			h.logger.ErrorContext(r.Context(), "multiget member failed", "href", t.href, "error", err)
			resp = dx.NewStatusResponse(http.StatusInternalServerError, t.href)
		}
		delete(objs, t.uri) // its text is no longer needed
		if err := mw.WriteResponse(resp); err != nil {
			return nil // client gone
		}
		if cut {
			break
		}
	}
	return mw.Close("", "")
}

// memberURI returns the object URI an href names inside res (a collection
// or an object), or "" when it names anything else.
func (h *Handler) memberURI(href string, res *resource) string {
	p, err := dx.DecodeHref(href)
	if err != nil {
		return ""
	}
	if b := h.basePath(); b != "" {
		var ok bool
		if p, ok = strings.CutPrefix(p, b); !ok {
			return ""
		}
	}
	if res.kind == resObject {
		if p == res.path {
			return res.objURI
		}
		return ""
	}
	uri, ok := strings.CutPrefix(p, res.path)
	if !ok || uri == "" || uri == "." || uri == ".." || strings.Contains(uri, "/") {
		return ""
	}
	if strings.ContainsRune(uri, 0) || !utf8.ValidString(uri) {
		return "" // no stored name holds them; PostgreSQL cannot compare them
	}
	return uri
}

// needsData reports whether answering req reads object text.
func needsData(req *dx.PropRequest) bool {
	return req.Kind == dx.PropNames && req.Has(nameCalendarData)
}

// objectResponse is the DAV:response for one calendar object of a REPORT:
// C:calendar-data rendered per its request (caldata.go), the other
// properties from the property table. Requests for live properties only
// skip the dead-property lookup, so an ETag listing costs no store call.
// opts give the zone of floating times for expansion; an expansion is
// taken from budget, and errInstanceBudget returned when it does not fit.
func (h *Handler) objectResponse(ctx context.Context, coll *resource, o *backend.Object, req *dx.PropRequest, opts ical.Options,
	budget *expandBudget) (*dx.Response, error) {
	res := objectResource(coll, o)
	pc := &propCtx{ctx: ctx, h: h, user: currentUser(ctx), res: res}
	switch req.Kind {
	case dx.PropNone:
		return dx.NewStatusResponse(http.StatusOK, h.href(res.path)), nil
	case dx.PropAll, dx.PropNameOnly:
		return h.propResponse(pc, req)
	}
	var names []xml.Name
	live := true
	for _, n := range req.Names {
		if n == nameCalendarData {
			continue
		}
		names = append(names, n)
		if def, ok := liveProps[n]; !ok || !def.kinds.has(resObject) {
			live = false
		}
	}
	var resp *dx.Response
	if live {
		resp = dx.NewResponse(h.href(res.path))
		for _, n := range names {
			if err := h.addProp(pc, resp, n, nil); err != nil {
				return nil, err
			}
		}
	} else {
		sub := *req
		sub.Names = names
		var err error
		if resp, err = h.propResponse(pc, &sub); err != nil {
			return nil, err
		}
	}
	if !req.Has(nameCalendarData) {
		return resp, nil
	}
	if err := h.loadData(pc); err != nil {
		return nil, err
	}
	opts = budget.limit(opts)
	text, n, err := renderCalendarData(pc.res.obj.Data, req.CalendarData, opts)
	if err == nil {
		err = budget.spend(opts, n)
	}
	if errors.Is(err, errInstanceBudget) {
		return nil, err
	}
	if err != nil {
		h.logger.WarnContext(ctx, "calendar-data not rendered", "path", res.path, "error", err)
		resp.AddProp(http.StatusInternalServerError, dx.EmptyProp(nameCalendarData))
		return resp, nil
	}
	resp.AddProp(http.StatusOK, dx.TextProp(nameCalendarData, text))
	return resp, nil
}
