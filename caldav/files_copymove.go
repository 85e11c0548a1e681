package caldav

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// fileCopyMove implements COPY and MOVE of plain resources and collections
// (RFC 4918 §9.8, §9.9) within the file area of one calendar collection,
// each one transaction. Calendar objects cannot be made from files, so a
// destination elsewhere is refused with 403.
func (h *Handler) fileCopyMove(w http.ResponseWriter, r *http.Request, src *resource) error {
	move := r.Method == "MOVE"
	if src.file == nil {
		return errorf(http.StatusNotFound, "no resource at %s", src.path)
	}
	shallow, err := copyMoveDepth(r, src, move)
	if err != nil {
		return err
	}
	overwrite, err := dx.ParseOverwrite(r.Header.Get("Overwrite"))
	if err != nil {
		return errorf(http.StatusBadRequest, "malformed Overwrite header")
	}
	dst, err := h.fileDestination(r, src)
	if err != nil {
		return err
	}
	if im := r.Header.Get("If-Match"); im != "" && (src.file.IsCollection || !etagListMatches(im, src.file.ETag)) {
		return errorf(http.StatusPreconditionFailed, "If-Match does not match the source")
	}
	t := &backend.FileTransfer{CalendarID: src.cal.ID, Src: src.file.Path, Dst: dst.filePath, Overwrite: overwrite, Shallow: shallow}
	var created bool
	if move {
		created, err = h.fileStore().MoveFileTree(r.Context(), t)
	} else {
		created, err = h.fileStore().CopyFileTree(r.Context(), t)
	}
	if errors.Is(err, backend.ErrPreconditionFailed) {
		// RFC 4918 §9.8.5: 412 when the destination exists and Overwrite is F.
		return errorf(http.StatusPreconditionFailed, "the destination exists and Overwrite is F")
	}
	if errors.Is(err, backend.ErrExists) {
		return errorf(http.StatusForbidden, "a calendar object is named like the destination")
	}
	if err != nil {
		return fileError(err, dst)
	}
	if created {
		w.Header().Set("Location", h.href(dst.path))
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// copyMoveDepth reads the Depth of a COPY or MOVE (RFC 4918 §9.8.3: a COPY
// of a collection takes 0 or infinity; §9.9.2: a MOVE of a collection
// only infinity) and reports whether the copy is shallow.
func copyMoveDepth(r *http.Request, src *resource, move bool) (bool, error) {
	d, err := dx.ParseDepth(r.Header.Get("Depth"))
	if err != nil {
		return false, errorf(http.StatusBadRequest, "bad Depth header")
	}
	d = d.Or(dx.DepthInfinity)
	if !src.file.IsCollection {
		return false, nil
	}
	if d == dx.DepthOne || move && d != dx.DepthInfinity {
		return false, errorf(http.StatusBadRequest, "Depth %s is not allowed on a %s of a collection", d, r.Method)
	}
	return d == dx.DepthZero, nil
}

// fileDestination resolves the Destination header of a COPY or MOVE of a
// file: it must be in the file area of the same calendar collection.
func (h *Handler) fileDestination(r *http.Request, src *resource) (*resource, error) {
	base := &url.URL{Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		base.Scheme = "https"
	}
	destPath, err := dx.ParseDestination(r.Header.Get("Destination"), base)
	if err != nil {
		if errors.Is(err, dx.ErrCrossServer) {
			// RFC 4918 §9.8.5: 502 "the destination is on another server".
			return nil, errorf(http.StatusBadGateway, "the destination is on another server")
		}
		return nil, errorf(http.StatusBadRequest, "missing or malformed Destination header")
	}
	if b := h.basePath(); b != "" && len(destPath) > len(b) && destPath[:len(b)] == b {
		destPath = destPath[len(b):]
	}
	dst, err := h.resolve(r.Context(), destPath)
	if errors.Is(err, errMissingParent) {
		return nil, errorf(http.StatusConflict, "the destination collection does not exist")
	}
	if err != nil {
		return nil, err
	}
	if dst.cal == nil || dst.cal.ID != src.cal.ID {
		return nil, errorf(http.StatusForbidden, "files can only be copied or moved within their calendar collection")
	}
	switch {
	case dst.kind == resFile:
	case dst.kind == resObject && src.file.IsCollection:
		// "CAL/name" without a trailing slash: a collection may go there.
		if err := h.load(r.Context(), dst, false); err != nil {
			return nil, err
		}
		if dst.obj != nil {
			return nil, errorf(http.StatusForbidden, "a calendar object exists at %s", dst.path)
		}
		dst = fileResource(dst, dst.objURI+"/", nil)
	default:
		// RFC 4791 §4.2: the only non-collection members of a calendar
		// collection are calendar object resources.
		return nil, conditionf(http.StatusForbidden, condCollectionLocationOK,
			"a plain resource cannot be a direct member of a calendar collection")
	}
	if dst.file != nil && dst.file.Path == src.file.Path || backend.FileOverlaps(src.file.Path, dst.filePath) {
		// RFC 4918 §9.8.5: 403 "the source and destination resources are the same".
		return nil, errorf(http.StatusForbidden, "the source and destination overlap")
	}
	return dst, nil
}
