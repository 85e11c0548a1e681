package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Where the benchmark user's calendars live (README.md "URLs"); the
// "calendar" collection is created by the server on first access.
const (
	homePath     = "/dav/calendars/users/" + benchUser + "/"
	mainCalPath  = homePath + "calendar/"
	scaleCalPath = homePath + "bench-scale/" // the quarter-size calendar of the scale comparison
	spreadCals   = 8                         // calendars of the spread PUT phase
)

// Names of the phases that other code picks out of the results.
const (
	fillName       = "PUT fill, 1 calendar"
	scaleFillName  = "PUT fill, 2nd calendar"
	queryEtagName  = "calendar-query week, etag"
	scaleQueryName = "calendar-query week, etag, 2nd calendar"
	freeBusyName   = "free-busy-query month"
)

// bench holds the state shared by the phases of one store.
type bench struct {
	cfg    *config
	store  string
	srv    *server
	c      *client
	stderr io.Writer
	now    time.Time // the centre of the events' year either side

	seq        atomic.Int64 // numbers new UIDs
	peak       int64        // the server's highest VmHWM read so far
	peakResets bool         // whether each phase's peak is its own (VmHWM reset at its start)
	sched      scheduling
	mu         sync.Mutex
	hrefs      []string // objects the fill stored in the main calendar
	scaleHrefs []string // objects the fill stored in the scale calendar
}

// newBench prepares the phases of one store against a running server.
func newBench(cfg *config, store string, srv *server, stderr io.Writer) *bench {
	return &bench{cfg: cfg, store: store, srv: srv, c: newClient(srv.addr, cfg.Concurrency), stderr: stderr,
		now: time.Now().UTC().Truncate(time.Hour)}
}

// runAll creates the calendars and runs the phases in order, reading the
// server's memory after each. It stops early when ctx is cancelled.
func (b *bench) runAll(ctx context.Context) ([]phaseResult, error) {
	if err := b.setup(ctx); err != nil {
		return nil, err
	}
	n, d, max := b.cfg.Concurrency, b.cfg.Duration, b.cfg.MaxRequests
	full, small := b.cfg.Objects, b.cfg.Objects/4
	size := fmt.Sprintf("calendar of %d objects", full)
	// Both fills together are bounded by --fill-timeout; the main one runs
	// first so that its PUT figure is that of an empty database, as before.
	fillEnd := time.Now().Add(b.cfg.FillTimeout)
	phases := []phase{
		{name: fillName, workers: n, max: full, duration: b.cfg.FillTimeout, deadline: fillEnd,
			note: fmt.Sprintf("new events up to %d", full), op: b.putOp(mainCalPath, &b.hrefs)},
		{name: scaleFillName, workers: n, max: small, duration: b.cfg.FillTimeout, deadline: fillEnd,
			note: fmt.Sprintf("new events up to %d, same mix and density (±3 months); for the scale comparison", small),
			op:   b.putOp(scaleCalPath, &b.scaleHrefs)},
		{name: "GET random object", workers: n, max: max, duration: d, note: size, op: b.getOp},
		{name: "PROPFIND Depth 1 etag+type", workers: 1, max: min(10, max), duration: d,
			note: size + "; 1 client, at most 10", op: b.propfindOp},
		{name: queryEtagName, workers: n, max: max, duration: d, probe: true,
			note: size, op: b.queryOp(mainCalPath, false)},
		{name: scaleQueryName, workers: n, max: max, duration: d, probe: true,
			note: fmt.Sprintf("calendar of %d objects, same mix and density", small), op: b.queryOp(scaleCalPath, false)},
		{name: "calendar-query week, expand", workers: n, max: max, duration: d, probe: true,
			note: size + "; calendar-data", op: b.queryOp(mainCalPath, true)},
		{name: "calendar-multiget 100", workers: n, max: max, duration: d, probe: true,
			note: size + "; calendar-data", op: b.multigetOp},
		{name: freeBusyName, workers: n, max: max, duration: d, probe: true,
			note: size + "; items: FREEBUSY lines", op: b.freeBusyOp},
		{name: "PUT new, 1 calendar", workers: n, max: max, duration: d,
			note: "continues the fill", op: b.putOp(mainCalPath, nil)},
		{name: fmt.Sprintf("PUT new, %d calendars", spreadCals), workers: n, max: max, duration: d,
			note: "one calendar per request, at random", op: b.putSpreadOp},
		// The invitations book the rooms before the free-busy POST asks
		// about them.
		{name: inviteName, workers: n, max: max, duration: d, before: b.checkInvite,
			note: "PUT, implicit scheduling; a free slot per room; items: recipients", op: b.inviteOp},
		{name: freeBusyPostName, workers: n, max: max, duration: d, before: b.checkFreeBusyPost,
			note: fmt.Sprintf("outbox, a month; bench + %d users + %d rooms; items: 2.0 answers", freeBusyUsers, benchRooms),
			op:   b.freeBusyPostOp},
	}
	var results []phaseResult
	for _, p := range phases {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(b.stderr, "%s: %s …\n", b.store, p.name)
		b.startPeak()
		var setupPeak int64
		if before := p.before; before != nil {
			// The untimed setup's memory is its own figure: the phase's
			// peak starts after it.
			p.before = func(ctx context.Context) error {
				err := before(ctx)
				setupPeak = b.readPeak()
				b.startPeak()
				return err
			}
		}
		r := runPhase(ctx, p)
		r.SetupPeak = setupPeak
		results = append(results, b.finish(ctx, r))
	}
	if ctx.Err() == nil {
		fmt.Fprintf(b.stderr, "%s: sync-collection after 10 changes …\n", b.store)
		b.startPeak()
		results = append(results, b.finish(ctx, b.syncPhase(ctx)))
	}
	return results, ctx.Err()
}

// startPeak starts measuring the server's peak memory afresh, so that a
// phase's peak is not that of the phases before it.
func (b *bench) startPeak() {
	b.readPeak()
	b.peakResets = b.srv.resetPeak() == nil
}

// readPeak returns the server's VmHWM, keeping the highest of all.
func (b *bench) readPeak() int64 {
	_, peak, _ := b.srv.memory()
	b.peak = max(b.peak, peak)
	return peak
}

// maxPeak is the server's peak memory over the whole run.
func (b *bench) maxPeak() int64 {
	b.readPeak()
	return b.peak
}

// finish records the server's memory at the end of a phase and marks a
// phase cut short by an interrupt.
func (b *bench) finish(ctx context.Context, r phaseResult) phaseResult {
	r.RSS, r.PeakRSS, _ = b.srv.memory()
	b.peak = max(b.peak, r.PeakRSS)
	if ctx.Err() != nil && r.Status == "ok" {
		r.Status = "interrupted"
	}
	return r
}

// setup creates the calendar of the scale comparison, those of the spread
// PUT phase and that of the invite phase; the first request also has the
// server provision the user's home and main calendar.
func (b *bench) setup(ctx context.Context) error {
	paths := []string{scaleCalPath, invitesCalPath}
	for i := 1; i <= spreadCals; i++ {
		paths = append(paths, spreadPath(i))
	}
	for _, p := range paths {
		if _, _, err := b.c.do(ctx, "MKCALENDAR", p, nil, http.StatusCreated); err != nil {
			return err
		}
	}
	return nil
}

// stored returns how many objects the fills stored in the main calendar
// and in the scale calendar.
func (b *bench) stored() (full, small int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.hrefs), len(b.scaleHrefs)
}

// spreadPath is the path of the i-th calendar of the spread PUT phase.
func spreadPath(i int) string { return fmt.Sprintf("%sbench-%d/", homePath, i) }

// newUID returns a UID never used before in this run.
func (b *bench) newUID() string {
	return fmt.Sprintf("kalends-bench-%08d", b.seq.Add(1))
}

// put stores a new event in the calendar at calPath, as a client creating
// one does (If-None-Match: *), and returns the object's path.
func (b *bench) put(ctx context.Context, w *worker, calPath, uid string, create bool) (string, sample, error) {
	// The scale calendar holds a quarter of the events over a quarter of
	// the time: the same density, so a week returns as many events from
	// either and only the calendar's size differs (what the index must
	// make irrelevant).
	spread := 365
	if calPath == scaleCalPath {
		spread = 365 / 4
	}
	data := genEvent(w.rng, uid, b.now, spread)
	href := calPath + uid + ".ics"
	hdr := []string{"Content-Type", "text/calendar; charset=utf-8"}
	want := http.StatusNoContent
	if create {
		hdr = append(hdr, "If-None-Match", "*")
		want = http.StatusCreated
	}
	_, d, err := b.c.do(ctx, http.MethodPut, href, data, want, hdr...)
	return href, sample{dur: d, bytes: len(data)}, err
}

// putOp creates events in the calendar at calPath. The fills pass keep,
// where the hrefs of the stored events are kept for the read phases.
func (b *bench) putOp(calPath string, keep *[]string) opFunc {
	return func(ctx context.Context, w *worker) (sample, error) {
		href, s, err := b.put(ctx, w, calPath, b.newUID(), true)
		if err == nil && keep != nil {
			b.mu.Lock()
			*keep = append(*keep, href)
			b.mu.Unlock()
		}
		return s, err
	}
}

// putSpreadOp creates an event in one of the spread calendars at random.
func (b *bench) putSpreadOp(ctx context.Context, w *worker) (sample, error) {
	_, s, err := b.put(ctx, w, spreadPath(1+w.rng.IntN(spreadCals)), b.newUID(), true)
	return s, err
}

// randomHrefs returns n distinct objects of the main calendar at random
// (all of them when it holds fewer).
func (b *bench) randomHrefs(w *worker, n int) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n >= len(b.hrefs) {
		return append([]string(nil), b.hrefs...)
	}
	seen := make(map[int]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		if i := w.rng.IntN(len(b.hrefs)); !seen[i] {
			seen[i] = true
			out = append(out, b.hrefs[i])
		}
	}
	return out
}

// getOp fetches one object at random.
func (b *bench) getOp(ctx context.Context, w *worker) (sample, error) {
	hrefs := b.randomHrefs(w, 1)
	if len(hrefs) == 0 {
		return sample{}, fmt.Errorf("no objects to GET: the fill stored none")
	}
	data, d, err := b.c.do(ctx, http.MethodGet, hrefs[0], nil, http.StatusOK)
	return sample{dur: d, bytes: len(data), items: 1}, err
}

// xmlHeader starts every request body.
const xmlHeader = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// propfindOp lists the main calendar's members with ETag and content type,
// as a client without sync support does on every refresh.
func (b *bench) propfindOp(ctx context.Context, w *worker) (sample, error) {
	body := xmlHeader + `<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/></D:prop></D:propfind>`
	return b.multistatus(ctx, "PROPFIND", mainCalPath, body, "1")
}

// multistatus sends a request answered by 207 Multi-Status and counts the
// responses in it.
func (b *bench) multistatus(ctx context.Context, method, path, body, depth string) (sample, error) {
	data, d, err := b.c.do(ctx, method, path, []byte(body), http.StatusMultiStatus,
		"Content-Type", "application/xml; charset=utf-8", "Depth", depth)
	return sample{dur: d, bytes: len(data), items: countResponses(data)}, err
}

// countResponses counts the DAV:response elements of a multistatus by
// their end tags, whatever the prefix, without parsing the XML: the
// client shares the machine with the server and must stay cheap.
func countResponses(data []byte) int {
	n := 0
	for s := string(data); ; {
		i := strings.Index(s, "response>")
		if i < 0 {
			return n
		}
		j := strings.LastIndex(s[:i], "<")
		if j >= 0 && strings.HasPrefix(s[j:], "</") && !strings.ContainsAny(s[j:i], " >") {
			n++
		}
		s = s[i+len("response>"):]
	}
}
