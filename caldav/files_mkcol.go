package caldav

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// fileMkcol implements MKCOL of a plain collection inside a calendar
// collection (RFC 4918 §9.3), or inside another plain collection. A body
// must be an extended MKCOL request (RFC 5689) for a plain collection,
// whose dead properties are set with it.
func (h *Handler) fileMkcol(w http.ResponseWriter, r *http.Request, res *resource) error {
	body, err := h.readXML(r)
	if err != nil {
		return err
	}
	mk, err := dx.DecodeMkcol(bytes.NewReader(body))
	if errors.Is(err, dx.ErrTooLarge) {
		return xmlError(err)
	}
	if err != nil {
		// RFC 4918 §9.3: "If the server receives a MKCOL request entity
		// type it does not support or understand, it MUST respond with a
		// 415 (Unsupported Media Type) status code."
		return errorf(http.StatusUnsupportedMediaType, "a MKCOL body must be an extended MKCOL request (RFC 5689)")
	}
	if res.file != nil {
		// RFC 4918 §9.3.1: 405 "MKCOL can only be executed on an unmapped URL".
		return conditionf(http.StatusMethodNotAllowed, condResourceMustBeNull, "a resource already exists at %s", res.path)
	}
	for _, t := range mk.ResourceType {
		switch t {
		case dx.DAVName("collection"):
		case dx.CalDAVName("calendar"):
			// RFC 4791 §4.2: no calendar collection at any depth of another.
			return conditionf(http.StatusForbidden, condCollectionLocationOK, "calendar collections cannot be created inside a calendar collection")
		default:
			return conditionf(http.StatusForbidden, condValidResourceType, "only plain collections can be created here")
		}
	}
	props := make([]backend.Property, 0, len(mk.Props))
	for _, p := range mk.Props {
		if isFileLiveProp(p.Name()) {
			return errorf(http.StatusForbidden, "cannot set the protected property %s", p.Name().Local)
		}
		props = append(props, backend.Property{Name: p.Name(), XML: p.String()})
	}
	target := res.filePath
	if target[len(target)-1] != '/' {
		target += "/"
	}
	if err := h.fileStore().MakeFileCollection(r.Context(), res.cal.ID, target, props); err != nil {
		if errors.Is(err, backend.ErrExists) {
			return conditionf(http.StatusMethodNotAllowed, condResourceMustBeNull, "a resource already exists at %s", res.path)
		}
		return fileError(err, res)
	}
	w.Header().Set("Location", h.href(homePath(res.principal)+res.calURI+"/"+target))
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusCreated)
	return nil
}
