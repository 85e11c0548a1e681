package caldav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// mkcalendar implements MKCALENDAR (RFC 4791 §5.3.1) and, when extended is
// true, extended MKCOL (RFC 5689) creating a calendar collection.
func (h *Handler) mkcalendar(w http.ResponseWriter, r *http.Request, extended bool) error {
	body, err := h.readXML(r)
	if err != nil {
		return err
	}
	var mk *dx.Mkcol
	if extended {
		mk, err = dx.DecodeMkcol(bytes.NewReader(body))
	} else {
		mk, err = dx.DecodeMkcalendar(bytes.NewReader(body))
	}
	if err != nil {
		return xmlError(err)
	}
	res, err := h.resolve(r.Context(), h.davPath(r))
	if err != nil && !errors.Is(err, errMissingParent) {
		return err
	}
	if res == nil || res.kind != resCollection {
		if res != nil && res.kind == resObject && res.cal != nil || errors.Is(err, errMissingParent) {
			return conditionf(http.StatusForbidden, condCollectionLocationOK, "calendars can only be created in a calendar home")
		}
		return errorf(http.StatusMethodNotAllowed, "a collection exists at %s", r.URL.Path)
	}
	if res.cal != nil {
		return conditionf(http.StatusMethodNotAllowed, condResourceMustBeNull, "a collection already exists at %s", res.path)
	}
	if err := backend.ValidateCollectionName(res.calURI); err != nil {
		return errorf(http.StatusForbidden, "invalid collection name: %v", err)
	}
	if extended && !hasCalendarType(mk.ResourceType) {
		return conditionf(http.StatusForbidden, condValidResourceType,
			"only calendar collections can be created here (resourcetype must include CALDAV:calendar)")
	}
	updates := make([]dx.PropUpdate, len(mk.Props))
	for i, p := range mk.Props {
		updates[i] = dx.PropUpdate{Prop: p}
	}
	u, failed := collectUpdates(res, updates, true)
	if len(failed) > 0 {
		return h.refuseMkcalendar(w, res, updates, failed, extended)
	}
	c := &backend.Calendar{PrincipalID: res.principal.ID, URI: res.calURI, Kind: backend.CollectionCalendar,
		Components: []string{"VEVENT", "VTODO"}}
	c.Apply(u)
	if err := h.svc.CreateCalendar(r.Context(), c, u.Set); err != nil {
		if errors.Is(err, backend.ErrExists) {
			return conditionf(http.StatusMethodNotAllowed, condResourceMustBeNull, "a collection already exists at %s", res.path)
		}
		return err
	}
	w.Header().Set("Location", h.href(res.path))
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusCreated)
	return nil
}

func hasCalendarType(types []xml.Name) bool {
	for _, t := range types {
		if t == dx.CalDAVName("calendar") {
			return true
		}
	}
	return false
}

// refuseMkcalendar answers a MKCALENDAR whose properties cannot all be
// set, and which therefore created nothing: 207 with a 403 (or 409)
// propstat for each refused property and 424 for the others (RFC 4791
// §5.3.1: "If the server cannot set all properties, … the collection
// must not be created"; the propstats are PROPPATCH's, RFC 4918 §9.2).
// Extended MKCOL keeps its plain 403 with the reasons.
func (h *Handler) refuseMkcalendar(w http.ResponseWriter, res *resource, updates []dx.PropUpdate, failed map[xml.Name]propFailure, extended bool) error {
	if extended {
		names := make([]string, 0, len(failed))
		for n, f := range failed {
			names = append(names, n.Local+": "+f.reason)
		}
		sort.Strings(names)
		return errorf(http.StatusForbidden, "cannot set %s", strings.Join(names, "; "))
	}
	resp := dx.NewResponse(h.href(res.path))
	addFailures(resp, updates, failed)
	mw := startMultistatus(w)
	if err := mw.WriteResponse(resp); err != nil {
		return nil
	}
	return mw.Close("", "")
}
