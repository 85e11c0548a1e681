package caldav

import (
	"context"
	"errors"
	"net/http"
	"sort"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// Delegation as Apple's calendar-proxy (calendarserver.org caldav-proxy):
// each principal has two group principals below its URL,
// calendar-proxy-read/ and calendar-proxy-write/, whose DAV:group-member-set
// (RFC 3744 §4.3) lists its delegates. A delegate's principal lists, in
// CS:calendar-proxy-read-for and CS:calendar-proxy-write-for, whom it acts
// for, which is how Apple Calendar shows delegated accounts; and in
// DAV:group-membership (RFC 3744 §4.4) the groups it belongs to.
const (
	proxyReadSeg  = "calendar-proxy-read"
	proxyWriteSeg = "calendar-proxy-write"
)

// proxyGroup returns the proxy group seg of the principal resource p.
func proxyGroup(p *resource, seg, path string) (*resource, error) {
	if seg != proxyReadSeg && seg != proxyWriteSeg {
		return nil, errorf(http.StatusNotFound, "no resource at %s", path)
	}
	return &resource{kind: resProxyGroup, pkind: p.pkind, principal: p.principal, path: p.path + seg + "/",
		proxyWrite: seg == proxyWriteSeg}, nil
}

// proxyGroups are the members of a principal resource.
func proxyGroups(p *resource) []*resource {
	var out []*resource
	for _, seg := range []string{proxyReadSeg, proxyWriteSeg} {
		g, _ := proxyGroup(p, seg, "")
		out = append(out, g)
	}
	return out
}

func proxyGroupPath(p *backend.Principal, write bool) string {
	if write {
		return principalPath(p) + proxyWriteSeg + "/"
	}
	return principalPath(p) + proxyReadSeg + "/"
}

func registerProxyProps() {
	principals := kinds(resPrincipal)
	groups := kinds(resProxyGroup)
	// The delegates in a group.
	register(dx.DAVName("group-member-set"), &propDef{kinds: principals | groups, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		name := dx.DAVName("group-member-set")
		if pc.res.kind != resProxyGroup {
			return dx.NewElement(name), nil // principals have no members
		}
		ds, err := pc.h.store.Delegates(pc.ctx, pc.res.principal.ID)
		if err != nil {
			return nil, err
		}
		var hrefs []string
		for _, d := range ds {
			if d.Write != pc.res.proxyWrite {
				continue
			}
			p, err := pc.h.store.PrincipalByID(pc.ctx, d.DelegateID)
			if err != nil {
				return nil, err
			}
			hrefs = append(hrefs, pc.h.href(principalPath(p)))
		}
		return dx.HrefProp(name, hrefs...), nil
	}})
	register(dx.DAVName("group-membership"), &propDef{kinds: principals | groups, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		name := dx.DAVName("group-membership")
		if pc.res.kind != resPrincipal {
			return dx.NewElement(name), nil
		}
		var hrefs []string
		err := pc.h.eachDelegator(pc.ctx, pc.res.principal, func(p *backend.Principal, write bool) {
			hrefs = append(hrefs, pc.h.href(proxyGroupPath(p, write)))
		})
		return dx.HrefProp(name, hrefs...), err
	}})
	for _, write := range []bool{false, true} {
		name := dx.CSName("calendar-proxy-read-for")
		if write {
			name = dx.CSName("calendar-proxy-write-for")
		}
		register(name, &propDef{kinds: principals, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
			var hrefs []string
			err := pc.h.eachDelegator(pc.ctx, pc.res.principal, func(p *backend.Principal, w bool) {
				if w == write {
					hrefs = append(hrefs, pc.h.href(principalPath(p)))
				}
			})
			return dx.HrefProp(name, hrefs...), err
		}})
	}
	register(dx.DAVName("principal-URL"), &propDef{kinds: principals | groups, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		return dx.HrefProp(dx.DAVName("principal-URL"), pc.h.href(pc.res.path)), nil
	}})
}

// eachDelegator calls fn with each principal that delegated to p, in
// order of name, and whether the grant is read-write.
func (h *Handler) eachDelegator(ctx context.Context, p *backend.Principal, fn func(*backend.Principal, bool)) error {
	ds, err := h.store.DelegatedTo(ctx, p.ID)
	if err != nil {
		return err
	}
	type grant struct {
		p     *backend.Principal
		write bool
	}
	var gs []grant
	for _, d := range ds {
		q, err := h.store.PrincipalByID(ctx, d.PrincipalID)
		if errors.Is(err, backend.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		gs = append(gs, grant{q, d.Write})
	}
	sort.Slice(gs, func(i, j int) bool { return principalPath(gs[i].p) < principalPath(gs[j].p) })
	for _, g := range gs {
		fn(g.p, g.write)
	}
	return nil
}

// proppatchProxyGroup sets a proxy group's DAV:group-member-set: the
// principal's own delegates, which it (or an administrator, for rooms
// that cannot log in) chooses. Every other property of a group is
// protected. All or nothing, like any PROPPATCH (RFC 4918 §9.2).
func (h *Handler) proppatchProxyGroup(w http.ResponseWriter, r *http.Request, res *resource, updates []dx.PropUpdate) error {
	ctx := r.Context()
	user := currentUser(ctx)
	if user == nil || !(res.ownedBy(user) || user.Admin) {
		return conditionf(http.StatusForbidden, condNeedPrivileges, "only %s or an administrator may choose its delegates", res.principal.Name)
	}
	members := dx.DAVName("group-member-set")
	resp := dx.NewResponse(h.href(res.path))
	var ids []int64
	failed := map[int]propFailure{}
	for i, up := range updates {
		if up.Name() != members {
			failed[i] = propFailure{http.StatusForbidden, "a protected property of a delegate group"}
			continue
		}
		ids = nil
		if up.Remove {
			continue
		}
		for _, href := range up.Prop.Prop().Elements() {
			if href.Name != dx.DAVName("href") {
				continue
			}
			p, err := h.addressPrincipal(ctx, href.TextContent())
			if err != nil {
				return err
			}
			switch {
			case p == nil:
				failed[i] = propFailure{http.StatusConflict, "no principal at " + href.TextContent()}
			case p.ID == res.principal.ID:
				failed[i] = propFailure{http.StatusConflict, "a principal cannot be its own delegate"}
			default:
				ids = append(ids, p.ID)
			}
		}
	}
	if len(failed) == 0 {
		err := h.store.ReplaceDelegates(ctx, res.principal.ID, res.proxyWrite, ids)
		if errors.Is(err, backend.ErrNotFound) {
			// A member (or the group's principal) was deleted meanwhile.
			return errorf(http.StatusConflict, "a principal named in group-member-set no longer exists; nothing changed")
		}
		if err != nil {
			return err
		}
	}
	for i, up := range updates {
		f, bad := failed[i]
		switch {
		case bad:
			ps := &dx.Propstat{Status: f.status, Props: []*dx.Element{dx.EmptyProp(up.Name())}, ResponseDescription: f.reason}
			if f.status == http.StatusForbidden {
				ps.Error = []*dx.Element{dx.Condition(condCannotModifyProtected)}
			}
			resp.Propstats = append(resp.Propstats, ps)
		case len(failed) > 0:
			resp.AddProp(http.StatusFailedDependency, dx.EmptyProp(up.Name()))
		default:
			resp.AddProp(http.StatusOK, dx.EmptyProp(up.Name()))
		}
	}
	mw := startMultistatus(w)
	if err := mw.WriteResponse(resp); err != nil {
		return nil
	}
	return mw.Close("", "")
}
