package caldav

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/kalends/kalends/backend"
)

// fileAllow lists the methods of plain resources and collections.
const fileAllow = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE"

// defaultFileType is the media type of a file stored without one.
const defaultFileType = "application/octet-stream"

// fileOptions implements OPTIONS of a file (RFC 4918 §9.1 §10.1).
func (h *Handler) fileOptions(w http.ResponseWriter, res *resource) error {
	w.Header().Set("DAV", davCompliance)
	w.Header().Set("Allow", fileAllow)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// fileGet implements GET and HEAD of a resource (its bytes, type and strong
// ETag) or of a plain collection (a text list of its members).
func (h *Handler) fileGet(w http.ResponseWriter, r *http.Request, res *resource) error {
	f := res.file
	if f == nil {
		return errorf(http.StatusNotFound, "no resource at %s", res.path)
	}
	if f.IsCollection {
		members, err := h.fileStore().ListFiles(r.Context(), res.cal.ID, f.Path)
		if err != nil {
			return err
		}
		var b strings.Builder
		for _, m := range members {
			b.WriteString(strings.TrimPrefix(m.Path, f.Path) + "\n")
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		http.ServeContent(w, r, "", f.ModifiedAt, strings.NewReader(b.String()))
		return nil
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("ETag", f.ETag)
	// ServeContent answers If-Match (412), If-None-Match (304), ranges,
	// If-Modified-Since and HEAD from the ETag and Last-Modified.
	http.ServeContent(w, r, "", f.ModifiedAt, bytes.NewReader(f.Data))
	return nil
}

// filePut implements PUT of a plain resource (RFC 4918 §9.7): any media
// type, created or replaced whole, with If-Match / If-None-Match checked
// by the store in the write's transaction.
func (h *Handler) filePut(w http.ResponseWriter, r *http.Request, res *resource) error {
	if res.isCollection() {
		if res.file != nil {
			return errorf(http.StatusMethodNotAllowed, "PUT is not allowed on a collection")
		}
		return errorf(http.StatusConflict, "a resource name cannot end in /")
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = defaultFileType
	} else if _, _, err := mime.ParseMediaType(ct); err != nil {
		return errorf(http.StatusBadRequest, "malformed Content-Type %q", ct)
	}
	req := &backend.PutFileRequest{CalendarID: res.cal.ID, Path: res.filePath, ContentType: ct}
	if err := fileConditions(r, res, &req.IfMatch, &req.IfNoneMatch); err != nil {
		return err
	}
	// Reading the body sends "100 Continue" to a client that expects it
	// (RFC 9110 §10.1.1): only now that the request may succeed.
	data, err := io.ReadAll(io.LimitReader(r.Body, h.svc.MaxResourceSize()+1))
	if err != nil {
		return errorf(http.StatusBadRequest, "reading the body: %v", err)
	}
	if int64(len(data)) > h.svc.MaxResourceSize() {
		return errorf(http.StatusRequestEntityTooLarge, "resources may be at most %d bytes", h.svc.MaxResourceSize())
	}
	req.Data = data
	result, err := h.fileStore().PutFile(r.Context(), req)
	if err != nil {
		return fileError(err, res)
	}
	w.Header().Set("ETag", result.ETag)
	if result.Created {
		w.Header().Set("Location", h.href(res.path))
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// fileConditions turns If-Match and If-None-Match into the store's
// conditions: tag lists are compared here with the resolved file, and the
// store checks again, atomically, that its ETag is still that one.
func fileConditions(r *http.Request, res *resource, ifMatch *string, ifNoneMatch *bool) error {
	etag := ""
	if res.file != nil {
		etag = res.file.ETag
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if strings.TrimSpace(inm) == "*" {
			*ifNoneMatch = true
		} else if etag != "" && etagListMatches(inm, etag) {
			return errorf(http.StatusPreconditionFailed, "If-None-Match matched the current ETag")
		} else if etag != "" {
			*ifMatch = etag
		}
	}
	if im := r.Header.Get("If-Match"); im != "" {
		if res.file == nil || (strings.TrimSpace(im) != "*" && !etagListMatches(im, etag)) {
			return errorf(http.StatusPreconditionFailed, "If-Match does not match the current ETag")
		}
		*ifMatch = etag
	}
	return nil
}

// fileDelete implements DELETE of a resource or of a whole plain
// collection (RFC 4918 §9.6.1: "DELETE ... on a collection MUST act as if
// a 'Depth: infinity' header was used"), in one transaction.
func (h *Handler) fileDelete(w http.ResponseWriter, r *http.Request, res *resource) error {
	if res.file == nil {
		return errorf(http.StatusNotFound, "no resource at %s", res.path)
	}
	var ifMatch string
	var ifNoneMatch bool
	if err := fileConditions(r, res, &ifMatch, &ifNoneMatch); err != nil {
		return err
	}
	if ifNoneMatch {
		return errorf(http.StatusPreconditionFailed, "If-None-Match: * on an existing resource")
	}
	if err := h.fileStore().DeleteFileTree(r.Context(), res.cal.ID, res.file.Path, ifMatch); err != nil {
		return fileError(err, res)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
