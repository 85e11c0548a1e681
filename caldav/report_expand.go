package caldav

import (
	"bytes"
	"errors"
	"net/http"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

func init() { reports[dx.ReportExpandProperty] = (*Handler).reportExpandProperty }

// maxExpandDepth bounds the nesting of expand-property, against hostile
// bodies that would follow hrefs in circles.
const maxExpandDepth = 3

// reportExpandProperty implements DAV:expand-property (RFC 3253 §3.8):
// property values holding hrefs are replaced by responses for those hrefs
// with the nested properties. Apple Calendar asks it on the principal for
// calendar-proxy-read-for and -write-for.
func (h *Handler) reportExpandProperty(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	props, err := dx.DecodeExpandProperty(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	resp, err := h.expandResponse(r, res, props, 0)
	if err != nil {
		return err
	}
	mw := startMultistatus(w)
	if err := mw.WriteResponse(resp); err != nil {
		return nil
	}
	return mw.Close("", "")
}

// expandResponse builds the response for res with props expanded.
func (h *Handler) expandResponse(r *http.Request, res *resource, props []dx.ExpandProperty, depth int) (*dx.Response, error) {
	pc := &propCtx{ctx: r.Context(), h: h, user: currentUser(r.Context()), res: res}
	resp := dx.NewResponse(h.href(res.path))
	for _, p := range props {
		def, ok := liveProps[p.Name]
		if !ok || !def.kinds.has(res.kind) {
			resp.AddProp(http.StatusNotFound, dx.EmptyProp(p.Name))
			continue
		}
		v, err := def.get(pc)
		if err != nil {
			return nil, err
		}
		if v == nil {
			resp.AddProp(http.StatusNotFound, dx.EmptyProp(p.Name))
			continue
		}
		if len(p.Children) > 0 && depth < maxExpandDepth {
			if v, err = h.expandHrefs(r, v, p.Children, depth+1); err != nil {
				return nil, err
			}
		}
		resp.AddProp(http.StatusOK, v)
	}
	return resp, nil
}

// expandHrefs replaces each DAV:href child of value by a DAV:response for
// the resource it names; hrefs that are not resources of this server (such
// as mailto: addresses) are kept as they are.
func (h *Handler) expandHrefs(r *http.Request, value *dx.Element, children []dx.ExpandProperty, depth int) (*dx.Element, error) {
	out := dx.NewElement(value.Name)
	for _, c := range value.Children {
		if c.Name != dx.DAVName("href") {
			out.Children = append(out.Children, c)
			continue
		}
		path, err := dx.DecodeHref(c.TextContent())
		if err != nil {
			out.Children = append(out.Children, c)
			continue
		}
		res, err := h.resolve(r.Context(), path)
		var de *Error
		if errors.As(err, &de) {
			out.Children = append(out.Children, responseElement(dx.NewStatusResponse(de.Status, c.TextContent())))
			continue
		} else if err != nil {
			return nil, err
		}
		resp, err := h.expandResponse(r, res, children, depth)
		if err != nil {
			return nil, err
		}
		out.Children = append(out.Children, responseElement(resp))
	}
	return out, nil
}

// responseElement renders a response as an element, for nesting in a
// property value.
func responseElement(resp *dx.Response) *dx.Element {
	el := dx.NewElement(dx.DAVName("response"))
	for _, href := range resp.Hrefs {
		el.Children = append(el.Children, dx.TextElement(dx.DAVName("href"), href))
	}
	if len(resp.Propstats) == 0 {
		el.Children = append(el.Children, dx.TextElement(dx.DAVName("status"), dx.StatusLine(resp.Status)))
	}
	for _, ps := range resp.Propstats {
		el.Children = append(el.Children, dx.NewElement(dx.DAVName("propstat"),
			dx.NewElement(dx.DAVName("prop"), ps.Props...),
			dx.TextElement(dx.DAVName("status"), dx.StatusLine(ps.Status))))
	}
	return el
}
