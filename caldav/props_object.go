package caldav

import (
	"strconv"
	"strings"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

func registerObjectProps() {
	objects := kinds(resObject)
	// A collection's GET is the whole calendar (collection_get.go): RFC
	// 4918 §15 wants the same ETag, type and length in its properties.
	// The length needs the export, so it is only computed when asked for.
	gettable := kinds(resObject, resCollection)
	register(dx.DAVName("getetag"), &propDef{kinds: gettable, get: func(pc *propCtx) (*dx.Element, error) {
		if pc.res.kind == resCollection {
			return dx.TextProp(dx.DAVName("getetag"), ctag(pc.res.cal)), nil
		}
		return dx.TextProp(dx.DAVName("getetag"), pc.res.obj.ETag), nil
	}})
	register(dx.DAVName("getcontenttype"), &propDef{kinds: gettable, get: func(pc *propCtx) (*dx.Element, error) {
		if pc.res.kind == resCollection {
			return dx.TextProp(dx.DAVName("getcontenttype"), collectionContentType), nil
		}
		return dx.TextProp(dx.DAVName("getcontenttype"), objectContentType(pc.res.obj.Component)), nil
	}})
	register(dx.DAVName("getcontentlength"), &propDef{kinds: gettable, costlyOn: kinds(resCollection), get: func(pc *propCtx) (*dx.Element, error) {
		if pc.res.kind != resCollection {
			return dx.TextProp(dx.DAVName("getcontentlength"), strconv.FormatInt(pc.res.obj.Size, 10)), nil
		}
		n, err := pc.h.exportLength(pc.ctx, pc.res.cal)
		if err != nil {
			return nil, err
		}
		return dx.TextProp(dx.DAVName("getcontentlength"), strconv.FormatInt(n, 10)), nil
	}})
	register(dx.CalDAVName("schedule-tag"), &propDef{kinds: objects, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		if pc.res.obj.Index.ScheduleTag == "" {
			return nil, nil
		}
		return dx.TextProp(dx.CalDAVName("schedule-tag"), pc.res.obj.Index.ScheduleTag), nil
	}})
	// calendar-data by PROPFIND returns the whole object; REPORTs handle
	// the subsetting forms of RFC 4791 §9.6.
	register(dx.CalDAVName("calendar-data"), &propDef{kinds: objects, hidden: true, get: func(pc *propCtx) (*dx.Element, error) {
		if err := pc.h.loadData(pc); err != nil {
			return nil, err
		}
		return dx.TextProp(dx.CalDAVName("calendar-data"), string(pc.res.obj.Data)), nil
	}})
}

// objectContentType is the media type of a stored calendar object, with
// the component parameter of RFC 4791 §5.2.1 clients use to tell events
// from tasks.
func objectContentType(component string) string {
	ct := "text/calendar; charset=utf-8"
	if component != "" {
		ct += "; component=" + strings.ToLower(component)
	}
	return ct
}

// loadData makes sure the resource's object carries its text.
func (h *Handler) loadData(pc *propCtx) error {
	if pc.res.obj.Data != nil {
		return nil
	}
	o, err := h.store.Object(pc.ctx, pc.res.cal.ID, pc.res.objURI)
	if err != nil {
		return err
	}
	pc.res.obj = o
	return nil
}
