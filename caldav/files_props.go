package caldav

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// fileProp is a live property of plain resources and collections.
type fileProp struct {
	// get returns the value, or nil when this file has none (404).
	get    func(pc *propCtx) (*dx.Element, error)
	hidden bool // left out of allprop
}

// fileProps is the property table of files. Everything else a client sets
// on a file, DAV:displayname included, is a dead property (RFC 4918 §15:
// displayname is not protected).
var fileProps = map[xml.Name]fileProp{
	dx.DAVName("resourcetype"): {get: func(pc *propCtx) (*dx.Element, error) {
		if pc.res.file.IsCollection {
			return dx.ResourceType(dx.DAVName("collection")), nil
		}
		return dx.ResourceType(), nil
	}},
	dx.DAVName("getetag"):        {get: fileResourceProp("getetag", func(f *backend.File) string { return f.ETag })},
	dx.DAVName("getcontenttype"): {get: fileResourceProp("getcontenttype", func(f *backend.File) string { return f.ContentType })},
	dx.DAVName("getcontentlength"): {get: fileResourceProp("getcontentlength", func(f *backend.File) string {
		return strconv.FormatInt(f.Size, 10)
	})},
	dx.DAVName("getlastmodified"): {get: func(pc *propCtx) (*dx.Element, error) {
		return dx.TextProp(dx.DAVName("getlastmodified"), pc.res.file.ModifiedAt.UTC().Format(http.TimeFormat)), nil
	}},
	dx.DAVName("creationdate"): {get: func(pc *propCtx) (*dx.Element, error) {
		return dx.TextProp(dx.DAVName("creationdate"), pc.res.file.CreatedAt.UTC().Format(time.RFC3339)), nil
	}},
	dx.DAVName("current-user-principal"):     {get: sharedProp("current-user-principal")},
	dx.DAVName("owner"):                      {get: sharedProp("owner")},
	dx.DAVName("principal-collection-set"):   {get: sharedProp("principal-collection-set"), hidden: true},
	dx.DAVName("current-user-privilege-set"): {get: sharedProp("current-user-privilege-set"), hidden: true},
	dx.DAVName("supported-report-set"):       {get: sharedProp("supported-report-set"), hidden: true},
}

// fileResourceProp is a text property that only non-collections have.
func fileResourceProp(local string, value func(f *backend.File) string) func(pc *propCtx) (*dx.Element, error) {
	return func(pc *propCtx) (*dx.Element, error) {
		if pc.res.file.IsCollection {
			return nil, nil
		}
		return dx.TextProp(dx.DAVName(local), value(pc.res.file)), nil
	}
}

// sharedProp reuses the getter of a DAV property of the main table, whose
// value does not depend on the kind of resource.
func sharedProp(local string) func(pc *propCtx) (*dx.Element, error) {
	return func(pc *propCtx) (*dx.Element, error) { return liveProps[dx.DAVName(local)].get(pc) }
}

// isFileLiveProp reports whether name is a live (protected) property of files.
func isFileLiveProp(name xml.Name) bool {
	_, ok := fileProps[name]
	return ok
}

// fileLiveValue returns one live property value of a file.
func fileLiveValue(pc *propCtx, name xml.Name) (*dx.Element, error) { return fileProps[name].get(pc) }

func hasDead(dead []backend.Property, name xml.Name) bool {
	for _, p := range dead {
		if p.Name == name {
			return true
		}
	}
	return false
}

func hasName(names []xml.Name, name xml.Name) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// filePropResponse answers a property request for a file: the PROPFIND
// counterpart of propResponse.
func (h *Handler) filePropResponse(pc *propCtx, req *dx.PropRequest) (*dx.Response, error) {
	resp := dx.NewResponse(h.href(pc.res.path))
	dead, err := h.store.Properties(pc.ctx, pc.res.cal.ID, pc.res.file.Path)
	if err != nil {
		return nil, err
	}
	add := func(name xml.Name) error {
		_, live := fileProps[name]
		return addValue(resp, name, live, func() (*dx.Element, error) { return fileLiveValue(pc, name) }, dead)
	}
	names := req.Names
	switch req.Kind {
	case dx.PropNameOnly, dx.PropAll:
		names = nil
		for name, def := range fileProps {
			if v, err := fileLiveValue(pc, name); err != nil {
				return nil, err
			} else if v != nil && (req.Kind == dx.PropNameOnly || !def.hidden || hasName(req.Include, name)) {
				names = append(names, name)
			}
		}
		if req.Kind == dx.PropNameOnly {
			for _, n := range names {
				resp.AddProp(http.StatusOK, dx.EmptyProp(n))
			}
			for _, p := range dead {
				resp.AddProp(http.StatusOK, dx.EmptyProp(p.Name))
			}
			return resp, nil
		}
		for _, p := range dead {
			addDead(resp, p)
		}
		for _, n := range req.Include {
			if _, ok := fileProps[n]; !ok && !hasDead(dead, n) {
				names = append(names, n) // answered 404: allprop sent the dead ones
			}
		}
	}
	for _, name := range names {
		if err := add(name); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// fileProppatch implements PROPPATCH of a file (RFC 4918 §9.2): dead
// properties only, every instruction applied in order or none.
func (h *Handler) fileProppatch(w http.ResponseWriter, r *http.Request, res *resource) error {
	body, err := h.readXML(r)
	if err != nil {
		return err
	}
	updates, err := dx.DecodeProppatch(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	if res.file == nil {
		return errorf(http.StatusNotFound, "no resource at %s", res.path)
	}
	set, remove, protected := fileUpdates(updates)
	resp := dx.NewResponse(h.href(res.path))
	for _, up := range updates {
		switch name := up.Name(); {
		case isFileLiveProp(name):
			resp.Propstats = append(resp.Propstats, &dx.Propstat{Status: http.StatusForbidden,
				Props: []*dx.Element{dx.EmptyProp(name)}, ResponseDescription: "protected property",
				Error: []*dx.Element{dx.Condition(condCannotModifyProtected)}})
		case protected:
			// RFC 4918 §9.2.1: the others fail because one did.
			resp.AddProp(http.StatusFailedDependency, dx.EmptyProp(name))
		default:
			resp.AddProp(http.StatusOK, dx.EmptyProp(name))
		}
	}
	if !protected {
		if err := h.fileStore().PatchFileProperties(r.Context(), res.cal.ID, res.file.Path, set, remove); err != nil {
			return fileError(err, res)
		}
	}
	mw := startMultistatus(w)
	if err := mw.WriteResponse(resp); err != nil {
		return nil
	}
	return mw.Close("", "")
}

// fileUpdates reduces PROPPATCH instructions to the dead properties to set
// and to remove. RFC 4918 §9.2: "Instructions MUST either all be executed
// or none executed ... processed in document order", so the last
// instruction on a name decides its fate. protected is true when one
// names a live property, which fails the whole request.
func fileUpdates(updates []dx.PropUpdate) (set []backend.Property, remove []xml.Name, protected bool) {
	last := map[xml.Name]int{}
	for i, up := range updates {
		last[up.Name()] = i
	}
	for i, up := range updates {
		switch name := up.Name(); {
		case isFileLiveProp(name):
			protected = true
		case last[name] != i:
			// superseded by a later instruction
		case up.Remove:
			remove = append(remove, name)
		default:
			set = append(set, backend.Property{Name: name, XML: up.Prop.String()})
		}
	}
	return set, remove, protected
}
