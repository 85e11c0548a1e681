package caldav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

// reportFunc answers one REPORT type on a resolved, existing resource.
// body is the whole request body.
type reportFunc func(h *Handler, w http.ResponseWriter, r *http.Request, res *resource, body []byte) error

// reports maps a REPORT's root element to its handler. Each report file
// registers itself in an init function.
var reports = map[xml.Name]reportFunc{}

// report implements REPORT (RFC 3253 §3.6) by dispatching on the body's
// root element.
func (h *Handler) report(w http.ResponseWriter, r *http.Request) error {
	body, err := h.readXML(r)
	if err != nil {
		return err
	}
	name, err := dx.ReportName(body)
	if err != nil {
		return xmlError(err)
	}
	fn, ok := reports[name]
	if !ok {
		// Not well-formed is 400 whatever the report (RFC 4918 §8.2).
		if _, err := dx.ParseElement(bytes.NewReader(body), dx.DefaultLimits); err != nil {
			return xmlError(err)
		}
		return conditionf(http.StatusForbidden, condSupportedReport, "the %s report is not supported", name.Local)
	}
	if err := checkReportDepth(r, name); err != nil {
		return err
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
	if !supportsReport(res, name) {
		return conditionf(http.StatusForbidden, condSupportedReport, "the %s report is not supported on %s", name.Local, res.path)
	}
	return fn(h, w, r, res, body)
}

func supportsReport(res *resource, name xml.Name) bool {
	for _, n := range supportedReports(res) {
		if n == name {
			return true
		}
	}
	return false
}

// startMultistatus writes the 207 status and returns a streaming writer.
func startMultistatus(w http.ResponseWriter) *dx.MultistatusWriter {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	return dx.NewMultistatusWriter(w)
}
