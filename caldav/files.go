package caldav

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kalends/kalends/backend"
)

// Plain WebDAV resources inside calendar collections ("files").
//
// RFC 4791 §4.2: "Calendar collections MUST only contain calendar object
// resources and collections that are not calendar collections, i.e., the
// only 'top-level' non-collection resources allowed in a calendar
// collection are calendar object resources." So a calendar collection may
// hold plain collections, and any WebDAV resource may live inside those
// (this is where WebDAV test suites such as litmus work). A single path
// segment below a calendar is a calendar object unless a plain collection
// of that name exists or the path ends in "/"; anything deeper is a file.
// Files are not calendar data: reports, sync and ctag ignore them.

// resolveFile resolves the segments below a calendar collection when they
// name a file; ok is false when they name a calendar object (or the
// collection is the scheduling inbox or outbox).
func (h *Handler) resolveFile(ctx context.Context, coll *resource, segs []string, trailing bool) (*resource, bool, error) {
	if coll.cal == nil || coll.cal.Kind != backend.CollectionCalendar {
		return nil, false, nil
	}
	rel := strings.Join(segs, "/")
	if trailing {
		rel += "/"
	}
	f, err := h.store.File(ctx, coll.cal.ID, rel)
	if err != nil && !errors.Is(err, backend.ErrNotFound) {
		return nil, false, err
	}
	if len(segs) == 1 && !trailing && (f == nil || !f.IsCollection) {
		return nil, false, nil // a calendar object resource
	}
	if f != nil {
		rel = f.Path
	}
	return fileResource(coll, rel, f), true, nil
}

// fileResource is the resource of the file at rel (f nil if it does not
// exist) in calendar collection coll.
func fileResource(coll *resource, rel string, f *backend.File) *resource {
	return &resource{kind: resFile, pkind: coll.pkind, principal: coll.principal, calURI: coll.calURI, cal: coll.cal,
		filePath: rel, file: f, path: homePath(coll.principal) + coll.calURI + "/" + rel}
}

// fileStore returns the store's files role.
func (h *Handler) fileStore() backend.Files { return h.store }

// resolvedKey carries the resource serveFile resolved, so that the
// method's handler does not resolve the same path again.
type resolvedKey struct{}

type resolvedPath struct {
	path string
	res  *resource
}

// resolvedFor returns a copy of the resource resolved earlier in this
// request for path.
func resolvedFor(ctx context.Context, path string) (*resource, bool) {
	if c, ok := ctx.Value(resolvedKey{}).(*resolvedPath); ok && c.path == path {
		res := *c.res
		return &res, true
	}
	return nil, false
}

// serveFile answers the request when its path names a file (or is a MKCOL
// of a plain collection in a calendar). Otherwise handled is false and the
// returned request carries the resolved resource for the method's handler.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request) (_ *http.Request, handled bool, _ error) {
	path := h.davPath(r)
	if !strings.HasPrefix(path, calendarsRoot) {
		return r, false, nil
	}
	res, err := h.resolve(r.Context(), path)
	if err != nil {
		return r, false, nil // the method's handler answers with the error
	}
	r = r.WithContext(context.WithValue(r.Context(), resolvedKey{}, &resolvedPath{path, res}))
	if r.Method == "MKCOL" && res.kind == resObject && res.cal.Kind == backend.CollectionCalendar {
		// MKCOL of "CAL/name" without a trailing slash.
		if err := h.load(r.Context(), res, false); err != nil {
			return r, true, err
		}
		if res.obj != nil {
			return r, true, errorf(http.StatusMethodNotAllowed, "a calendar object exists at %s", res.path)
		}
		return r, true, h.fileMkcol(w, r, fileResource(res, res.objURI+"/", nil))
	}
	if res.kind != resFile {
		return r, false, nil
	}
	switch r.Method {
	case http.MethodOptions:
		err = h.fileOptions(w, res)
	case "PROPFIND", "REPORT":
		return r, false, nil // propfind.go knows files; no report applies to them
	case "MKCALENDAR":
		// RFC 4791 §5.3.1: calendars are not created inside calendars.
		err = conditionf(http.StatusForbidden, condCollectionLocationOK, "calendars can only be created in a calendar home")
	case "PROPPATCH":
		err = h.fileProppatch(w, r, res)
	case "MKCOL":
		err = h.fileMkcol(w, r, res)
	case http.MethodGet, http.MethodHead:
		err = h.fileGet(w, r, res)
	case http.MethodPut:
		err = h.filePut(w, r, res)
	case http.MethodDelete:
		err = h.fileDelete(w, r, res)
	case "COPY", "MOVE":
		err = h.fileCopyMove(w, r, res)
	default:
		w.Header().Set("Allow", fileAllow)
		err = errorf(http.StatusMethodNotAllowed, "method %s is not supported on %s", r.Method, res.path)
	}
	return r, true, err
}

// fileError maps the errors of a FileStore to protocol errors.
func fileError(err error, res *resource) error {
	switch {
	case errors.Is(err, backend.ErrMissingParent):
		// RFC 4918 §9.3.1, §9.7.1, §9.8.5: intermediate collections missing.
		return errorf(http.StatusConflict, "the parent collection of %s does not exist", res.path)
	case errors.Is(err, backend.ErrExists):
		return errorf(http.StatusMethodNotAllowed, "a resource already exists at %s", res.path)
	case errors.Is(err, backend.ErrBadDestination):
		return errorf(http.StatusForbidden, "the source and destination overlap")
	case errors.Is(err, backend.ErrNotFound):
		return errorf(http.StatusNotFound, "no resource at %s", res.path)
	}
	return err
}
