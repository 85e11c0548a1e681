package caldav

import (
	"context"
	"errors"
	"net/http"

	"github.com/kalends/kalends/backend"
)

// accessLevel is what the current user may do in a principal's home.
type accessLevel int

const (
	noAccess    accessLevel = iota
	readAccess              // a read-only delegate (calendar-proxy-read)
	writeAccess             // a read-write delegate (calendar-proxy-write)
	ownerAccess             // the principal itself
)

// requestAccess is the per-request memory of the user's delegations, read
// at most once per request and only when another principal's home is
// reached.
type requestAccess struct {
	method string
	grants map[int64]bool // principal id → write; nil until loaded
}

type accessKey struct{}

// withAccess prepares the per-request access state of r.
func withAccess(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), accessKey{}, &requestAccess{method: r.Method}))
}

// readOnlyMethod reports whether a method changes nothing: what a
// read-only delegate may use.
func readOnlyMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "PROPFIND", "REPORT":
		return true
	}
	return false
}

// accessTo returns what the current user may do in p's home: everything
// in their own, what a delegation grants elsewhere, nothing otherwise.
func (h *Handler) accessTo(ctx context.Context, p *backend.Principal) (accessLevel, error) {
	user := currentUser(ctx)
	switch {
	case user == nil || p == nil:
		return noAccess, nil
	case user.ID == p.ID:
		return ownerAccess, nil
	}
	ra, _ := ctx.Value(accessKey{}).(*requestAccess)
	var grants map[int64]bool
	if ra != nil {
		grants = ra.grants
	}
	if grants == nil {
		ds, err := h.store.DelegatedTo(ctx, user.ID)
		if err != nil {
			return noAccess, err
		}
		grants = make(map[int64]bool, len(ds))
		for _, d := range ds {
			grants[d.PrincipalID] = d.Write
		}
		if ra != nil {
			ra.grants = grants
		}
	}
	write, ok := grants[p.ID]
	switch {
	case !ok:
		return noAccess, nil
	case write:
		return writeAccess, nil
	}
	return readAccess, nil
}

// delegatedHome returns the owner of another principal's home that the
// current user reaches as a delegate. Without a grant — or when the
// principal does not exist, so that names do not leak — it is 403, and
// for a read-only delegate every method that changes something is 403.
func (h *Handler) delegatedHome(ctx context.Context, kind backend.PrincipalKind, name string) (*backend.Principal, error) {
	denied := conditionf(http.StatusForbidden, condNeedPrivileges, "you may only access your own calendars and those delegated to you")
	if currentUser(ctx) == nil {
		return nil, denied
	}
	owner, err := h.store.Principal(ctx, kind, name)
	if errors.Is(err, backend.ErrNotFound) {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	level, err := h.accessTo(ctx, owner)
	if err != nil {
		return nil, err
	}
	if level == noAccess {
		return nil, denied
	}
	if ra, _ := ctx.Value(accessKey{}).(*requestAccess); level == readAccess && (ra == nil || !readOnlyMethod(ra.method)) {
		return nil, conditionf(http.StatusForbidden, condNeedPrivileges, "your delegation to %s is read-only", owner.Name)
	}
	// The delegate may be the first to reach this home (a room that has
	// never been invited).
	if err := h.svc.EnsureHome(ctx, owner); err != nil {
		return nil, err
	}
	return owner, nil
}

// mayWrite reports whether the current user may change the resource's
// home: as its owner or a read-write delegate.
func (h *Handler) mayWrite(ctx context.Context, r *resource) bool {
	if r.principal == nil || r.kind == resPrincipal {
		return r.ownedBy(currentUser(ctx))
	}
	level, err := h.accessTo(ctx, r.principal)
	return err == nil && level >= writeAccess
}
