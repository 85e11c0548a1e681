package davxml

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// Multistatus is a DAV:multistatus response body (RFC 4918 §14.16, with the
// DAV:sync-token of RFC 6578 §6.4).
type Multistatus struct {
	// Responses are written in order.
	Responses []*Response
	// ResponseDescription, if not empty, is written as
	// DAV:responsedescription.
	ResponseDescription string
	// SyncToken, if not empty, is written as DAV:sync-token at the end.
	SyncToken string
}

// Response is one DAV:response of a multistatus.
//
// It carries either propstats (PROPFIND, PROPPATCH, REPORT results) or a
// single Status (e.g. 404 for members removed since a sync token, or a
// failed member of a DELETE); if Propstats is empty, Status is written (200
// if zero).
type Response struct {
	// Hrefs are written verbatim, as DAV:href elements; use EncodeHref for
	// paths. A response with propstats has exactly one href; a status
	// response may group several (RFC 4918 §14.24).
	Hrefs []string
	// Propstats holds the properties grouped by status, written in order.
	Propstats []*Propstat
	// Status is the status of a response without propstats.
	Status int
	// Error, if not nil, is written as DAV:error holding these elements
	// (precondition or postcondition codes).
	Error []*Element
	// ResponseDescription, if not empty, is written as
	// DAV:responsedescription.
	ResponseDescription string
	// Location, if not empty, is written as DAV:location/DAV:href (for 3xx
	// statuses).
	Location string
}

// Propstat groups properties sharing one status.
type Propstat struct {
	// Status is the HTTP status of the properties (200, 403, 404, 409, 424,
	// 507...).
	Status int
	// Props are the property elements; for non-200 statuses they are
	// usually empty elements naming the property (see EmptyProp).
	Props []*Element
	// Error, if not nil, is written as DAV:error holding these elements.
	Error []*Element
	// ResponseDescription, if not empty, is written as
	// DAV:responsedescription.
	ResponseDescription string
}

// NewResponse returns a response for the single href, to be filled with
// AddProp.
func NewResponse(href string) *Response { return &Response{Hrefs: []string{href}} }

// NewStatusResponse returns a response reporting status for the hrefs.
func NewStatusResponse(status int, hrefs ...string) *Response {
	return &Response{Hrefs: hrefs, Status: status}
}

// AddProp adds properties with the given status to the propstat of that
// status, creating it if needed. Propstats keep the order in which their
// statuses were first added.
func (r *Response) AddProp(status int, props ...*Element) {
	for _, ps := range r.Propstats {
		if ps.Status == status {
			ps.Props = append(ps.Props, props...)
			return
		}
	}
	r.Propstats = append(r.Propstats, &Propstat{Status: status, Props: props})
}

// Propstat returns the propstat of the status, or nil.
func (r *Response) Propstat(status int) *Propstat {
	for _, ps := range r.Propstats {
		if ps.Status == status {
			return ps
		}
	}
	return nil
}

// StatusLine returns the DAV:status text for an HTTP status code, e.g.
// "HTTP/1.1 404 Not Found".
func StatusLine(code int) string {
	text := http.StatusText(code)
	if text == "" {
		return "HTTP/1.1 " + strconv.Itoa(code) + " Status " + strconv.Itoa(code)
	}
	return "HTTP/1.1 " + strconv.Itoa(code) + " " + text
}

// Encode writes the multistatus document to w.
func (m *Multistatus) Encode(w io.Writer) error {
	mw := NewMultistatusWriter(w)
	for _, r := range m.Responses {
		if err := mw.WriteResponse(r); err != nil {
			return err
		}
	}
	return mw.Close(m.ResponseDescription, m.SyncToken)
}

// MultistatusWriter streams a DAV:multistatus document, one response at a
// time, for large results. The root element is written on the first call.
type MultistatusWriter struct {
	x       *xmlWriter
	started bool
	closed  bool
}

// NewMultistatusWriter returns a writer of a multistatus document to w.
func NewMultistatusWriter(w io.Writer) *MultistatusWriter {
	return &MultistatusWriter{x: newXMLWriter(w)}
}

func (mw *MultistatusWriter) begin() {
	if !mw.started {
		mw.started = true
		mw.x.header()
		mw.x.startRoot(DAVName("multistatus"))
	}
}

// WriteResponse writes one DAV:response. Output is buffered; it reaches
// the underlying writer by chunks and at Close.
func (mw *MultistatusWriter) WriteResponse(r *Response) error {
	if mw.closed {
		return io.ErrClosedPipe
	}
	mw.begin()
	writeResponse(mw.x, r)
	return mw.x.err
}

// Close writes the optional DAV:responsedescription and DAV:sync-token,
// closes the document and flushes it.
func (mw *MultistatusWriter) Close(responseDescription, syncToken string) error {
	if mw.closed {
		return io.ErrClosedPipe
	}
	mw.begin()
	mw.closed = true
	x := mw.x
	if responseDescription != "" {
		x.textElem(DAVName("responsedescription"), responseDescription)
	}
	if syncToken != "" {
		x.textElem(DAVName("sync-token"), syncToken)
	}
	x.end()
	return x.flush()
}

func writeResponse(x *xmlWriter, r *Response) {
	x.start(DAVName("response"), nil, false)
	for _, h := range r.Hrefs {
		x.textElem(DAVName("href"), sanitizeHref(h))
	}
	if len(r.Propstats) > 0 {
		for _, ps := range r.Propstats {
			x.start(DAVName("propstat"), nil, false)
			if len(ps.Props) == 0 {
				x.empty(DAVName("prop"))
			} else {
				x.start(DAVName("prop"), nil, false)
				for _, p := range ps.Props {
					x.element(p)
				}
				x.end()
			}
			x.textElem(DAVName("status"), StatusLine(statusOr200(ps.Status)))
			writeErrorElem(x, ps.Error)
			if ps.ResponseDescription != "" {
				x.textElem(DAVName("responsedescription"), ps.ResponseDescription)
			}
			x.end()
		}
	} else {
		x.textElem(DAVName("status"), StatusLine(statusOr200(r.Status)))
	}
	writeErrorElem(x, r.Error)
	if r.ResponseDescription != "" {
		x.textElem(DAVName("responsedescription"), r.ResponseDescription)
	}
	if r.Location != "" {
		x.start(DAVName("location"), nil, false)
		x.textElem(DAVName("href"), sanitizeHref(r.Location))
		x.end()
	}
	x.end()
}

func statusOr200(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

func writeErrorElem(x *xmlWriter, conds []*Element) {
	if conds == nil {
		return
	}
	if len(conds) == 0 {
		x.empty(DAVName("error"))
		return
	}
	x.start(DAVName("error"), nil, false)
	for _, c := range conds {
		x.element(c)
	}
	x.end()
}

// Condition returns a precondition/postcondition element, e.g.
// <C:no-uid-conflict><D:href>…</D:href></C:no-uid-conflict>, with one
// DAV:href child per href (written verbatim).
func Condition(name xml.Name, hrefs ...string) *Element {
	e := NewElement(name)
	for _, h := range hrefs {
		e.Children = append(e.Children, TextElement(DAVName("href"), sanitizeHref(h)))
	}
	return e
}

// WriteError writes a DAV:error body (RFC 4918 §16, RFC 4791 §1.3) for the
// precondition cond, whose element holds one DAV:href per href. A
// non-empty description is added as a human-readable K:message element in
// the Kalends namespace, which clients ignore.
func WriteError(w io.Writer, cond xml.Name, hrefs []string, description string) error {
	return WriteErrorElements(w, description, Condition(cond, hrefs...))
}

// WriteErrorElements writes a DAV:error body holding the given condition
// elements, plus a K:message element if description is not empty.
func WriteErrorElements(w io.Writer, description string, conds ...*Element) error {
	x := newXMLWriter(w)
	x.header()
	x.startRoot(DAVName("error"))
	for _, c := range conds {
		x.element(c)
	}
	if description != "" {
		x.textElem(Name(NSKalends, "message"), description)
	}
	x.end()
	return x.flush()
}

// RecipientResponse is the outcome of scheduling for one recipient, a
// C:response of a C:schedule-response (RFC 6638 §10.2).
type RecipientResponse struct {
	// Recipient is the calendar user address, e.g. "mailto:bob@example.com",
	// written verbatim in C:recipient/D:href.
	Recipient string
	// RequestStatus is the iCalendar REQUEST-STATUS, e.g. "2.0;Success".
	RequestStatus string
	// CalendarData, if not empty, is written as C:calendar-data (free-busy
	// replies).
	CalendarData string
	// Error, if not nil, is written as DAV:error holding these elements.
	Error []*Element
	// ResponseDescription, if not empty, is written as
	// DAV:responsedescription.
	ResponseDescription string
}

// WriteScheduleResponse writes a C:schedule-response body (RFC 6638 §10.1),
// the answer to a POST on a scheduling outbox.
func WriteScheduleResponse(w io.Writer, responses []RecipientResponse) error {
	x := newXMLWriter(w)
	x.header()
	x.startRoot(CalDAVName("schedule-response"))
	for _, r := range responses {
		x.start(CalDAVName("response"), nil, false)
		x.start(CalDAVName("recipient"), nil, false)
		x.textElem(DAVName("href"), sanitizeHref(r.Recipient))
		x.end()
		x.textElem(CalDAVName("request-status"), r.RequestStatus)
		if r.CalendarData != "" {
			x.textElem(CalDAVName("calendar-data"), r.CalendarData)
		}
		writeErrorElem(x, r.Error)
		if r.ResponseDescription != "" {
			x.textElem(DAVName("responsedescription"), r.ResponseDescription)
		}
		x.end()
	}
	x.end()
	return x.flush()
}

// EncodeElement writes a standalone XML document whose root is e, with the
// well-known namespaces declared on the root (for example a
// DAV:prop body or a PROPFIND response to a non-multistatus request).
func EncodeElement(w io.Writer, e *Element) error {
	if e == nil || e.IsText() {
		return errors.New("davxml: EncodeElement needs an element")
	}
	x := newXMLWriter(w)
	x.header()
	extra := make([]binding, len(wellKnownPrefixes))
	for i, wk := range wellKnownPrefixes {
		extra[i] = binding{wk.prefix, wk.space}
	}
	x.start(e.Name, e.Attr, false, extra...)
	for _, c := range e.Children {
		x.element(c)
	}
	x.end()
	return x.flush()
}
