package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// client speaks HTTP to the server over keep-alive connections, one per
// worker, as calendar clients do.
type client struct {
	http *http.Client
	base string // "http://127.0.0.1:PORT"
}

// newClient returns a client keeping up to conns idle connections, so that
// no worker ever waits for a new TCP connection after the first request.
func newClient(addr string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	return &client{http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}, base: "http://" + addr}
}

// httpError is an answer with a status the benchmark did not expect.
type httpError struct {
	method, path string
	status       int
	body         string
}

// Error names the request and shows the start of the answer, enough to
// reproduce it with curl.
func (e *httpError) Error() string {
	b := e.body
	if len(b) > 300 {
		b = b[:300] + "…"
	}
	return fmt.Sprintf("%s %s: %d %s", e.method, e.path, e.status, b)
}

// errUnsupported, wrapped, says that the server lacks what a phase
// measures: the phase is reported unsupported, with the error's text.
var errUnsupported = errors.New("unsupported")

// unsupported reports whether err says the server does not implement a
// REPORT yet: 403 (DAV:supported-report) or 501.
func unsupported(err error) bool {
	var he *httpError
	return errors.As(err, &he) && (he.status == http.StatusForbidden || he.status == http.StatusNotImplemented)
}

// do sends one request with the benchmark user's credentials, headers given
// as name/value pairs, reads the whole answer, and fails unless the status
// is want. The duration covers the round trip and reading the body.
func (c *client) do(ctx context.Context, method, path string, body []byte, want int, hdr ...string) ([]byte, time.Duration, error) {
	return c.doAs(ctx, benchUser, benchPassword, method, path, body, want, hdr...)
}

// doAs is do with the credentials of another user.
func (c *client) doAs(ctx context.Context, user, password, method, path string, body []byte, want int,
	hdr ...string) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.SetBasicAuth(user, password)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return nil, d, err
	}
	if resp.StatusCode != want {
		return data, d, &httpError{method: method, path: path, status: resp.StatusCode, body: string(data)}
	}
	return data, d, nil
}

// sample is one timed request: its latency, the size of its answer and the
// number of items (multistatus responses; free-busy: FREEBUSY lines) in it.
type sample struct {
	dur   time.Duration
	bytes int
	items int
}

// worker is one simulated client with its own random source.
type worker struct {
	rng *rand.Rand
}

// opFunc performs one timed operation.
type opFunc func(ctx context.Context, w *worker) (sample, error)

// phase describes one measurement.
type phase struct {
	name     string
	workers  int
	max      int           // most operations
	duration time.Duration // bound of the whole phase
	deadline time.Time     // when set, a further bound shared with other phases (the fills)
	probe    bool          // try one operation first and report 403/501 as unsupported
	note     string
	op       opFunc
	// before, when set, runs untimed before the phase: preparations and
	// checks. An error wrapping errUnsupported reports the phase
	// unsupported; any other is the phase's one error.
	before func(ctx context.Context) error
}

// phaseResult is what a phase measured. Latencies are in milliseconds.
type phaseResult struct {
	Name        string  `json:"name"`
	Status      string  `json:"status"` // ok, unsupported, interrupted
	Workers     int     `json:"workers"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	P50         float64 `json:"p50_ms"`
	P99         float64 `json:"p99_ms"`
	AvgBytes    float64 `json:"avg_response_bytes"`
	AvgItems    float64 `json:"avg_items"`
	RSS         int64   `json:"server_rss_bytes"`
	PeakRSS     int64   `json:"server_peak_rss_bytes"`          // during the phase, its untimed setup apart
	SetupPeak   int64   `json:"setup_peak_rss_bytes,omitempty"` // during the untimed setup (before)
	Note        string  `json:"note,omitempty"`
	FirstError  string  `json:"first_error,omitempty"`
	Target      string  `json:"target,omitempty"`
	TargetMet   *bool   `json:"target_met,omitempty"`
	TargetShare float64 `json:"-"` // measured/target for throughput targets
	TargetRatio float64 `json:"-"` // the compared figure of a scale target
}

// runPhase runs p's workers until p.max operations have been started or
// p.duration (or p.deadline) has passed; operations still running then are
// cancelled and not counted, so that a phase never takes longer than its
// bound.
func runPhase(ctx context.Context, p phase) phaseResult {
	res := phaseResult{Name: p.name, Status: "ok", Workers: p.workers, Note: p.note}
	if p.before != nil {
		// Before the phase's own bound starts: preparing may take longer.
		if err := p.before(ctx); err != nil {
			res.FirstError = err.Error()
			if errors.Is(err, errUnsupported) {
				res.Status = "unsupported"
			} else {
				res.Requests, res.Errors = 1, 1
			}
			return res
		}
	}
	ctx, cancel := context.WithTimeout(ctx, p.duration)
	defer cancel()
	if !p.deadline.IsZero() {
		var cancelDeadline context.CancelFunc
		ctx, cancelDeadline = context.WithDeadline(ctx, p.deadline)
		defer cancelDeadline()
	}
	if p.probe {
		if _, err := p.op(ctx, &worker{rng: rand.New(rand.NewPCG(0, 0))}); unsupported(err) {
			res.Status, res.FirstError = "unsupported", err.Error()
			return res
		}
	}
	var (
		mu       sync.Mutex
		samples  []sample
		errCount int
		started  atomic.Int64
	)
	begin := time.Now()
	var wg sync.WaitGroup
	for i := range p.workers {
		wg.Go(func() {
			w := &worker{rng: rand.New(rand.NewPCG(uint64(i), uint64(begin.UnixNano())))}
			var mine []sample
			for started.Add(1) <= int64(p.max) && ctx.Err() == nil {
				s, err := p.op(ctx, w)
				if ctx.Err() != nil {
					break // cut off by the bound: neither a result nor an error
				}
				if err != nil {
					mu.Lock()
					errCount++
					if res.FirstError == "" {
						res.FirstError = err.Error()
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, s)
			}
			mu.Lock()
			samples = append(samples, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	res.Seconds = elapsed.Seconds()
	res.Errors = errCount
	res.Requests = len(samples) + errCount
	summarize(&res, samples, elapsed)
	return res
}

// summarize fills in throughput, percentiles and averages from samples.
// Throughput counts successful operations only.
func summarize(res *phaseResult, samples []sample, elapsed time.Duration) {
	if len(samples) == 0 {
		return
	}
	durs := make([]time.Duration, len(samples))
	var bytes, items float64
	for i, s := range samples {
		durs[i] = s.dur
		bytes += float64(s.bytes)
		items += float64(s.items)
	}
	slices.Sort(durs)
	n := float64(len(samples))
	res.PerSecond = n / elapsed.Seconds()
	res.P50 = ms(percentile(durs, 0.50))
	res.P99 = ms(percentile(durs, 0.99))
	res.AvgBytes = bytes / n
	res.AvgItems = items / n
}

// percentile returns the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// ms converts a duration to fractional milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
