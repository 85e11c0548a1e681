package caldav

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
)

// copyMove implements COPY and MOVE of calendar objects between (or
// within) a user's calendars (RFC 4918 §9.8–9.9, RFC 4791 §5.3.2.1). A MOVE
// is one transaction: the object is never lost nor doubled.
func (h *Handler) copyMove(w http.ResponseWriter, r *http.Request) error {
	move := r.Method == "MOVE"
	src, err := h.resolve(r.Context(), h.davPath(r))
	if errors.Is(err, errMissingParent) {
		return errorf(http.StatusNotFound, "no resource at %s", r.URL.Path)
	}
	if err != nil {
		return err
	}
	if src.kind != resObject {
		return errorf(http.StatusForbidden, "only calendar objects can be copied or moved")
	}
	if err := h.load(r.Context(), src, true); err != nil {
		return err
	}
	if src.obj == nil {
		return errorf(http.StatusNotFound, "no object at %s", src.path)
	}
	base := &url.URL{Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		base.Scheme = "https"
	}
	destPath, err := dx.ParseDestination(r.Header.Get("Destination"), base)
	if err != nil {
		if errors.Is(err, dx.ErrCrossServer) {
			return errorf(http.StatusBadGateway, "the destination is on another server")
		}
		return errorf(http.StatusBadRequest, "missing or malformed Destination header")
	}
	overwrite, err := dx.ParseOverwrite(r.Header.Get("Overwrite"))
	if err != nil {
		return errorf(http.StatusBadRequest, "malformed Overwrite header")
	}
	if b := h.basePath(); b != "" && len(destPath) > len(b) && destPath[:len(b)] == b {
		destPath = destPath[len(b):]
	}
	dst, err := h.resolve(r.Context(), destPath)
	if errors.Is(err, errMissingParent) {
		return errorf(http.StatusConflict, "the destination collection does not exist")
	}
	if err != nil {
		return err
	}
	if dst.kind != resObject || dst.cal.Kind != backend.CollectionCalendar {
		return conditionf(http.StatusForbidden, condCollectionLocationOK, "the destination must be in a calendar collection")
	}
	if dst.path == src.path {
		return errorf(http.StatusForbidden, "source and destination are the same")
	}
	if err := h.load(r.Context(), dst, false); err != nil {
		return err
	}
	if dst.obj != nil && !overwrite {
		return errorf(http.StatusPreconditionFailed, "the destination exists and Overwrite is F")
	}
	if im := r.Header.Get("If-Match"); im != "" && !etagListMatches(im, src.obj.ETag) {
		return errorf(http.StatusPreconditionFailed, "If-Match does not match the source")
	}
	// RFC 6638 §8.3: like If-Match, on the resource of the Request-URI. A
	// MOVE removes the source only if its ETag is still the one read here.
	if st := strings.TrimSpace(r.Header.Get("If-Schedule-Tag-Match")); st != "" && st != src.obj.Index.ScheduleTag {
		return errorf(http.StatusPreconditionFailed, "If-Schedule-Tag-Match does not match the source's Schedule-Tag")
	}
	result, err := h.svc.Copy(r.Context(), &calendar.CopyRequest{
		Source: &calendar.Location{Owner: src.principal, Calendar: src.cal, URI: src.objURI}, Object: src.obj,
		Dest: &calendar.Location{Owner: dst.principal, Calendar: dst.cal, URI: dst.objURI}, DestObject: dst.obj,
		Move: move,
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", result.ETag)
	if result.Created {
		w.Header().Set("Location", h.href(dst.path))
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}
