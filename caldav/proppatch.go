package caldav

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// proppatch implements PROPPATCH (RFC 4918 §9.2): every instruction is
// applied, in order, or none is. Dead properties may be set on calendar
// collections and objects; the live properties with setters in the
// property table may be set on calendar collections.
func (h *Handler) proppatch(w http.ResponseWriter, r *http.Request) error {
	body, err := h.readXML(r)
	if err != nil {
		return err
	}
	updates, err := dx.DecodeProppatch(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	res, err := h.resolve(r.Context(), h.davPath(r))
	if errors.Is(err, errMissingParent) {
		return errorf(http.StatusNotFound, "no resource at %s", r.URL.Path)
	}
	if err != nil {
		return err
	}
	if err := h.load(r.Context(), res, false); err != nil {
		return err
	}
	if !res.exists() {
		return errorf(http.StatusNotFound, "no resource at %s", res.path)
	}
	if res.kind == resProxyGroup {
		return h.proppatchProxyGroup(w, r, res, updates)
	}
	if (res.kind != resCollection && res.kind != resObject && res.kind != resHome) || !h.mayWrite(r.Context(), res) {
		return conditionf(http.StatusForbidden, condNeedPrivileges, "the properties of %s cannot be changed", res.path)
	}
	u, failed := collectUpdates(res, updates, false)
	resp := dx.NewResponse(h.href(res.path))
	if len(failed) > 0 {
		addFailures(resp, updates, failed)
	} else if err := h.applyUpdates(r.Context(), res, u); errors.Is(err, backend.ErrPropertyLimit) {
		// RFC 4918 §9.2.1: 507 for what could not be recorded, 424 for
		// the rest; nothing was written.
		for _, up := range updates {
			status := http.StatusFailedDependency
			if !up.Remove {
				status = http.StatusInsufficientStorage
			}
			ps := &dx.Propstat{Status: status, Props: []*dx.Element{dx.EmptyProp(up.Name())}}
			if status == http.StatusInsufficientStorage {
				ps.ResponseDescription = strings.TrimPrefix(err.Error(), "backend: ")
			}
			resp.Propstats = append(resp.Propstats, ps)
		}
	} else if err != nil {
		return err
	} else {
		for _, up := range updates {
			resp.AddProp(http.StatusOK, dx.EmptyProp(up.Name()))
		}
	}
	mw := startMultistatus(w)
	if err := mw.WriteResponse(resp); err != nil {
		return nil
	}
	return mw.Close("", "")
}

// addFailures answers refused property instructions (PROPPATCH, RFC
// 4918 §9.2; MKCALENDAR, RFC 4791 §5.3.1): each failed one with its
// status and reason, and, since nothing was applied, every other one 424.
func addFailures(resp *dx.Response, updates []dx.PropUpdate, failed map[xml.Name]propFailure) {
	for _, up := range updates {
		name := up.Name()
		if f, ok := failed[name]; ok {
			ps := &dx.Propstat{Status: f.status, Props: []*dx.Element{dx.EmptyProp(name)}, ResponseDescription: f.reason}
			if f.status == http.StatusForbidden {
				ps.Error = []*dx.Element{dx.Condition(condCannotModifyProtected)}
			}
			resp.Propstats = append(resp.Propstats, ps)
			continue
		}
		// RFC 4918 §9.2.1: the others fail because one did.
		resp.AddProp(http.StatusFailedDependency, dx.EmptyProp(name))
	}
}

// applyUpdates writes a PROPPATCH that collectUpdates accepted: a
// calendar's through the service (a new calendar-timezone re-indexes its
// objects in the same transaction), an object's or a home's dead
// properties in the store.
func (h *Handler) applyUpdates(ctx context.Context, res *resource, u *backend.CalendarUpdate) error {
	switch res.kind {
	case resCollection:
		_, err := h.svc.UpdateCalendar(ctx, res.cal, u)
		return err
	case resHome:
		return h.store.PatchHomeProperties(ctx, res.principal.ID, u.Set, u.Remove)
	}
	return h.store.PatchObjectProperties(ctx, res.cal.ID, res.objURI, u.Set, u.Remove)
}

type propFailure struct {
	status int
	reason string
}

// collectUpdates turns property instructions into one calendar update,
// reporting the instructions that cannot be applied. creating is true for
// MKCALENDAR, where the component set may still be chosen.
func collectUpdates(res *resource, updates []dx.PropUpdate, creating bool) (*backend.CalendarUpdate, map[xml.Name]propFailure) {
	u := &backend.CalendarUpdate{}
	failed := map[xml.Name]propFailure{}
	for _, up := range updates {
		name := up.Name()
		def, live := liveProps[name]
		switch {
		case live && res.kind == resCollection && def.kinds.has(resCollection) && def.set != nil:
			if name == dx.CalDAVName("supported-calendar-component-set") && !creating {
				failed[name] = propFailure{http.StatusForbidden, "the component set is fixed when the calendar is created"}
				continue
			}
			if res.cal != nil && res.cal.Kind != backend.CollectionCalendar && name != dx.DAVName("displayname") {
				failed[name] = propFailure{http.StatusForbidden, "not a property of the scheduling inbox or outbox"}
				continue
			}
			if err := def.set(u, up.Prop.Element(), up.Remove); err != nil {
				failed[name] = propFailure{http.StatusConflict, err.Error()}
			}
		case live || isInternalProp(name):
			failed[name] = propFailure{http.StatusForbidden, "protected property"}
		case up.Remove:
			u.Remove = append(u.Remove, name)
		default:
			u.Set = append(u.Set, backend.Property{Name: name, XML: up.Prop.String()})
		}
	}
	return u, failed
}
