package caldav

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

func init() {
	reports[dx.ReportPrincipalMatch] = (*Handler).reportPrincipalMatch
	reports[dx.ReportACLPrincipalPropSet] = (*Handler).reportACLPrincipalPropSet
}

// maxMatchVisits bounds the resources a principal-match walks: a home
// holds calendars of many objects, each of which is a member.
const maxMatchVisits = 10000

// depthZeroReports are the RFC 3744 §9 reports, "only defined when the
// Depth header has value 0; other values result in a 400 (Bad Request)".
var depthZeroReports = map[xml.Name]bool{
	dx.ReportPrincipalMatch: true, dx.ReportACLPrincipalPropSet: true,
	dx.ReportPrincipalPropertySearch: true, dx.ReportPrincipalSearchPropSet: true,
}

// checkReportDepth enforces Depth: 0 on the RFC 3744 reports. A missing
// header means 0 (RFC 3253 §3.6). Tolerance, named: Thunderbird sends
// principal-property-search with Depth: 1 (CalDavPrincipalPropertySearchRequest's
// default), which is answered as Depth: 0.
func checkReportDepth(r *http.Request, name xml.Name) error {
	if !depthZeroReports[name] {
		return nil
	}
	d, err := dx.ParseDepth(r.Header.Get("Depth"))
	if err != nil {
		return errorf(http.StatusBadRequest, "bad Depth header")
	}
	if d == dx.DepthOne && name == dx.ReportPrincipalPropertySearch {
		return nil
	}
	if d.Or(dx.DepthZero) != dx.DepthZero {
		return errorf(http.StatusBadRequest, "the %s report needs Depth: 0 (RFC 3744 §9)", name.Local)
	}
	return nil
}

// reportPrincipalMatch implements DAV:principal-match (RFC 3744 §9.3):
// with DAV:self, the principals below the Request-URI that are the
// current user or a group the user belongs to (the proxy groups of those
// who delegated to them); with DAV:principal-property, the resources
// below it whose property names the current user (e.g. DAV:owner).
func (h *Handler) reportPrincipalMatch(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	req, err := dx.DecodePrincipalMatch(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	user := currentUser(r.Context())
	self, err := h.selfHrefs(r.Context(), user)
	if err != nil {
		return err
	}
	mw := startMultistatus(w)
	n, visits := 0, 0
	queue := []*resource{res}
	for len(queue) > 0 && visits < maxMatchVisits {
		t := queue[0]
		queue = queue[1:]
		visits++
		pc := &propCtx{ctx: r.Context(), h: h, user: user, res: t}
		ok, err := h.principalMatches(pc, req, self)
		if err != nil {
			h.logger.ErrorContext(r.Context(), "principal-match member failed", "path", t.path, "error", err)
			break
		}
		if ok {
			if n == maxPrincipalResults {
				resp := dx.NewStatusResponse(http.StatusInsufficientStorage, h.href(res.path))
				resp.Error = []*dx.Element{dx.Condition(condNumberOfMatchesInLimits)}
				mw.WriteResponse(resp)
				break
			}
			n++
			if err := h.writeMatch(mw, pc, &req.Prop); err != nil {
				return nil
			}
		}
		if t.isCollection() || t.kind == resPrincipal {
			members, err := h.members(r.Context(), t)
			if err != nil {
				h.logger.ErrorContext(r.Context(), "principal-match members failed", "path", t.path, "error", err)
				break
			}
			queue = append(queue, members...)
		}
	}
	return mw.Close("", "")
}

// selfHrefs are the hrefs that stand for user: their principal and the
// proxy groups they are a member of.
func (h *Handler) selfHrefs(ctx context.Context, user *backend.Principal) (map[string]bool, error) {
	self := map[string]bool{h.href(principalPath(user)): true}
	err := h.eachDelegator(ctx, user, func(p *backend.Principal, write bool) {
		self[h.href(proxyGroupPath(p, write))] = true
	})
	return self, err
}

// principalMatches reports whether the resource of pc matches req.
func (h *Handler) principalMatches(pc *propCtx, req *dx.PrincipalMatch, self map[string]bool) (bool, error) {
	if req.Self {
		isPrincipal := pc.res.kind == resPrincipal || pc.res.kind == resProxyGroup
		return isPrincipal && self[h.href(pc.res.path)], nil
	}
	def, ok := liveProps[req.PrincipalProperty]
	if !ok || !def.kinds.has(pc.res.kind) {
		return false, nil
	}
	v, err := def.get(pc)
	if err != nil || v == nil {
		return false, err
	}
	for _, c := range v.Elements() {
		if c.Name == dx.DAVName("href") && self[c.TextContent()] {
			return true, nil
		}
	}
	return false, nil
}

// writeMatch writes one match: its properties when the report asks for
// some, else its href alone.
func (h *Handler) writeMatch(mw *dx.MultistatusWriter, pc *propCtx, prop *dx.PropRequest) error {
	if prop.Kind == dx.PropNone {
		return mw.WriteResponse(dx.NewStatusResponse(http.StatusOK, h.href(pc.res.path)))
	}
	resp, err := h.propResponse(pc, prop)
	if err != nil {
		resp = dx.NewStatusResponse(http.StatusInternalServerError, h.href(pc.res.path))
	}
	return mw.WriteResponse(resp)
}

// reportACLPrincipalPropSet implements DAV:acl-principal-prop-set (RFC
// 3744 §9.2): the requested properties of every principal the
// resource's access control names. Kalends has no DAV:acl property; its
// fixed ACL grants the owner everything and the owner's delegates what
// their proxy group allows, so those three principals are answered.
// Reading it needs DAV:read-acl, which only those who may write have.
func (h *Handler) reportACLPrincipalPropSet(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	prop, err := dx.DecodeACLPrincipalPropSet(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	if res.principal == nil || !h.mayWrite(r.Context(), res) {
		return conditionf(http.StatusForbidden, condNeedPrivileges, "reading the access control of %s needs DAV:read-acl", res.path)
	}
	owner := &resource{kind: resPrincipal, pkind: res.principal.Kind, principal: res.principal, path: principalPath(res.principal)}
	user := currentUser(r.Context())
	mw := startMultistatus(w)
	for _, p := range append([]*resource{owner}, proxyGroups(owner)...) {
		if err := h.writeMatch(mw, &propCtx{ctx: r.Context(), h: h, user: user, res: p}, prop); err != nil {
			return nil
		}
	}
	return mw.Close("", "")
}
