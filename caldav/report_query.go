package caldav

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

func init() {
	reports[dx.ReportCalendarQuery] = (*Handler).reportCalendarQuery
}

// maxQueryResults bounds the objects one calendar-query returns; beyond it
// the answer ends with a 507 response (RFC 4791 §7.8, RFC 5323 §5.3).
const maxQueryResults = 10000

// condValidTimezoneID is RFC 7809 §5.2's precondition for an unknown
// C:timezone-id.
var condValidTimezoneID = dx.CalDAVName("valid-timezone")

// reportCalendarQuery implements CALDAV:calendar-query (RFC 4791 §7.8) on
// a calendar collection (Depth 1; a missing Depth is read as 1, as
// clients that omit it mean) or on one calendar object.
func (h *Handler) reportCalendarQuery(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	q, err := dx.DecodeCalendarQuery(bytes.NewReader(body))
	if errors.Is(err, dx.ErrInvalidFilter) {
		return conditionf(http.StatusForbidden, condValidFilter, "%v", err)
	}
	if err != nil {
		return xmlError(err)
	}
	if err := checkFilter(&q.Filter, ""); err != nil {
		return err
	}
	if err := checkCalendarDataRequest(q.Prop.CalendarData); err != nil {
		return err
	}
	depth, err := dx.ParseDepth(r.Header.Get("Depth"))
	if err != nil {
		return errorf(http.StatusBadRequest, "bad Depth header")
	}
	opts, exact, err := h.queryOptions(res.cal, q)
	if err != nil {
		return err
	}
	ctx := r.Context()
	coll := collectionOf(res)
	var matches []*backend.Object
	switch {
	case res.kind == resObject:
		o, err := h.store.Object(ctx, res.cal.ID, res.objURI)
		if err != nil {
			return err
		}
		if cal, err := ical.Parse(o.Data); err == nil && matchFilter(cal, &q.Filter, opts) {
			matches = append(matches, o)
		}
	case depth == dx.DepthZero:
		// The collection itself is not a calendar object: nothing matches.
	default:
		if matches, err = h.queryCollection(ctx, res.cal, &q.Filter, opts, exact); err != nil {
			return err
		}
	}
	truncated := len(matches) > maxQueryResults
	if truncated {
		matches = matches[:maxQueryResults]
	}
	mw := startMultistatus(w)
	if err := h.writeQueryResponses(ctx, mw, coll, matches, &q.Prop, opts); errors.Is(err, errInstanceBudget) || truncated {
		_ = mw.WriteResponse(h.truncatedResponse(res.path))
	} else if err != nil {
		return nil // client gone
	}
	return mw.Close("", "")
}

// queryBatch is how many objects' text a calendar-query holds at once
// while it writes its answer.
const queryBatch = 200

// writeQueryResponses streams the responses of a calendar-query, loading
// the text of the objects that lack it a batch at a time and letting go of
// each once written, so the answer is never held whole in memory. It stops
// with errInstanceBudget when an expansion does not fit the report's
// budget, or with the error that ended the writing.
func (h *Handler) writeQueryResponses(ctx context.Context, mw *dx.MultistatusWriter, coll *resource, matches []*backend.Object,
	req *dx.PropRequest, opts ical.Options) error {
	budget := h.newExpandBudget()
	for len(matches) > 0 {
		batch := matches[:min(len(matches), queryBatch)]
		matches = matches[len(batch):]
		if needsData(req) {
			if err := h.fillData(ctx, coll.cal.ID, batch); err != nil {
				// The 207 is sent: the failure is told in the answer.
				h.logger.ErrorContext(ctx, "calendar-query data not read", "error", err)
				return mw.WriteResponse(dx.NewStatusResponse(http.StatusInternalServerError, h.href(coll.path)))
			}
		}
		for i, o := range batch {
			resp, err := h.objectResponse(ctx, coll, o, req, opts, budget)
			if errors.Is(err, errInstanceBudget) {
				return err
			}
			if err != nil {
				h.logger.ErrorContext(ctx, "calendar-query member failed", "uri", o.URI, "error", err)
				resp = dx.NewStatusResponse(http.StatusInternalServerError, h.href(coll.path+o.URI))
			}
			batch[i] = nil
			if err := mw.WriteResponse(resp); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectionOf is the calendar collection resource of res (res itself
// for a collection).
func collectionOf(res *resource) *resource {
	if res.kind != resObject {
		return res
	}
	return &resource{kind: resCollection, pkind: res.pkind, principal: res.principal, calURI: res.calURI, cal: res.cal,
		path: collectionPath(res.principal, res.cal)}
}

// queryOptions returns the expansion options of a query: floating times
// in C:timezone-id or C:timezone when given (RFC 7809 §5.3, RFC 4791
// §7.8), else in the calendar's zone. exact is false when that zone is
// not the one the instance index was built with.
func (h *Handler) queryOptions(c *backend.Calendar, q *dx.CalendarQuery) (ical.Options, bool, error) {
	opts := h.svc.ExpandOptions(c)
	switch {
	case q.TimezoneID != "":
		loc, err := ical.ResolveTZID(nil, q.TimezoneID)
		if err != nil {
			return opts, false, conditionf(http.StatusForbidden, condValidTimezoneID, "unknown time zone %q", q.TimezoneID)
		}
		opts.Floating = loc
	case strings.TrimSpace(q.Timezone) != "":
		if err := calendar.ValidateTimezone(q.Timezone); err != nil {
			return opts, false, conditionf(http.StatusForbidden, condValidCalendarData, "C:timezone: %v", err)
		}
		tzcal, _ := ical.Parse([]byte(q.Timezone))
		loc, err := ical.ResolveTZID(tzcal, ical.CalendarTimezoneID(q.Timezone))
		if err != nil {
			return opts, false, conditionf(http.StatusForbidden, condValidCalendarData, "C:timezone cannot be evaluated")
		}
		opts.Floating = loc
	default:
		return opts, true, nil
	}
	return opts, opts.Floating.String() == calendar.FloatingZone(c).String(), nil
}

// queryCollection returns the objects of calendar c matching f, sorted by
// URI. When the filter has a time range on its VEVENT or VTODO, the
// instance index picks the candidates; only objects the index cannot
// decide are parsed, and with a bare time range and an exact index the
// sure hits are answered without reading any object text.
func (h *Handler) queryCollection(ctx context.Context, c *backend.Calendar, f *dx.CompFilter, opts ical.Options, exact bool) ([]*backend.Object, error) {
	comp, ok := requiredComponent(f)
	if !ok {
		return nil, nil
	}
	var sure []*backend.Object
	var parse []string
	if cf := indexableFilter(f); cf != nil {
		widen := time.Duration(0)
		if !exact {
			widen = 27 * time.Hour // any two UTC offsets differ by less
		}
		hits, meta, err := h.svc.Candidates(ctx, c.ID, cf.TimeRange.Start, cf.TimeRange.End, widen)
		if err != nil {
			return nil, err
		}
		bare := exact && len(f.PropFilters) == 0 && len(cf.PropFilters) == 0 && len(cf.CompFilters) == 0
		queued := map[string]bool{}
		for uri, verdict := range hits {
			o := meta[uri]
			switch {
			case o.Component != cf.Name:
			case verdict && bare:
				sure = append(sure, o)
			default:
				parse = append(parse, uri)
				queued[uri] = true
			}
		}
		// Objects whose occurrences in the range the index may not hold:
		// found by the store, not by listing the calendar.
		// Floating times read in another zone move by less than widen.
		from, until := cf.TimeRange.Start, cf.TimeRange.End
		if !from.IsZero() {
			from = from.Add(-widen)
		}
		if !until.IsZero() {
			until = until.Add(widen)
		}
		blind, err := h.svc.Unindexed(ctx, c, cf.Name, from, until)
		if err != nil {
			return nil, err
		}
		for _, o := range blind {
			if !queued[o.URI] && !(hits[o.URI] && bare) {
				parse = append(parse, o.URI)
				queued[o.URI] = true
			}
		}
	} else {
		var comps []string
		if comp != "" {
			comps = []string{comp}
		}
		meta, err := h.store.ListObjects(ctx, c.ID, &backend.ListOptions{Components: comps})
		if err != nil {
			return nil, err
		}
		for _, o := range meta {
			parse = append(parse, o.URI)
		}
	}
	found, err := h.evaluate(ctx, c.ID, parse, f, opts)
	if err != nil {
		return nil, err
	}
	out := append(sure, found...)
	sort.Slice(out, func(i, j int) bool { return out[i].URI < out[j].URI })
	return out, nil
}

// requiredComponent returns the object component the top-level filter
// requires ("" when any may match); ok is false when it requires two
// different ones, which no object holds.
func requiredComponent(f *dx.CompFilter) (string, bool) {
	comp := ""
	for _, cf := range f.CompFilters {
		if cf.IsNotDefined || !isObjectComponent(cf.Name) {
			continue
		}
		if comp != "" && comp != cf.Name {
			return "", false
		}
		comp = cf.Name
	}
	return comp, true
}

// indexableFilter returns the top-level VEVENT or VTODO comp-filter with a
// time range whose candidates the instance index can find, or nil.
func indexableFilter(f *dx.CompFilter) *dx.CompFilter {
	for i := range f.CompFilters {
		cf := &f.CompFilters[i]
		if cf.TimeRange != nil && !cf.IsNotDefined && (cf.Name == "VEVENT" || cf.Name == "VTODO") {
			return cf
		}
	}
	return nil
}

// maxHeldData bounds the object text evaluate keeps for the answer; the
// text of further matches is read again, a batch at a time, as the
// answer is written (writeQueryResponses).
const maxHeldData = 8 << 20

// evaluate parses the named objects in batches and returns those matching
// f, with their data up to maxHeldData in all.
func (h *Handler) evaluate(ctx context.Context, calID int64, uris []string, f *dx.CompFilter, opts ical.Options) ([]*backend.Object, error) {
	var out []*backend.Object
	held := 0
	for len(uris) > 0 {
		n := min(len(uris), 200)
		objs, err := h.store.ListObjects(ctx, calID, &backend.ListOptions{URIs: uris[:n], WithData: true})
		if err != nil {
			return nil, err
		}
		uris = uris[n:]
		for _, o := range objs {
			cal, err := ical.Parse(o.Data)
			if err != nil {
				h.logger.WarnContext(ctx, "stored object does not parse", "uri", o.URI, "error", err)
				continue
			}
			if matchFilter(cal, f, opts) {
				if held += len(o.Data); held > maxHeldData {
					o.Data = nil
				}
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// fillData loads, in batches, the text of the objects that lack it.
func (h *Handler) fillData(ctx context.Context, calID int64, objs []*backend.Object) error {
	idx := map[string]int{}
	var uris []string
	for i, o := range objs {
		if o.Data == nil {
			idx[o.URI] = i
			uris = append(uris, o.URI)
		}
	}
	for len(uris) > 0 {
		n := min(len(uris), 200)
		list, err := h.store.ListObjects(ctx, calID, &backend.ListOptions{URIs: uris[:n], WithData: true})
		if err != nil {
			return err
		}
		uris = uris[n:]
		for _, o := range list {
			objs[idx[o.URI]] = o
		}
	}
	return nil
}
