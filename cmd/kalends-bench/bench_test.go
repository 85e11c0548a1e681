//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBenchmarkEndToEnd runs the whole tool on SQLite with tiny parameters,
// building the server itself, so that it keeps working as the server
// changes: every phase must produce figures (or be reported unsupported;
// the phases the instance index serves, free-busy and the quarter-size
// calendar's query, must produce figures, and so must the scheduling
// phases, without errors), the scale comparison must be
// there, and the server must be gone afterwards. It asserts nothing about
// speed.
// Linux only, as the tool reads the server's memory from /proc.
func TestBenchmarkEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the server; skipped in -short mode")
	}
	cfg, err := parseFlags([]string{"--store", "sqlite", "--objects", "200", "--duration", "1s",
		"--concurrency", "2", "--json"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, progress bytes.Buffer
	start := time.Now()
	if err := run(ctx, cfg, &out, &progress); err != nil {
		t.Fatalf("run: %v\nprogress:\n%s", err, progress.String())
	}
	t.Logf("ran in %v", time.Since(start).Round(time.Millisecond))

	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if len(rep.Stores) != 1 || rep.Stores[0].Store != "sqlite" {
		t.Fatalf("want one sqlite result, got %+v", rep.Stores)
	}
	s := rep.Stores[0]
	want := []string{"PUT fill, 1", "PUT fill, 2nd", "GET", "PROPFIND", "calendar-query week, etag",
		"calendar-query week, etag, 2nd calendar", "calendar-query week, expand", "calendar-multiget",
		"free-busy-query", "PUT new, 1", "PUT new, 8", "invite", "free-busy POST", "sync-collection"}
	// Phases that must not be reported unsupported.
	required := map[string]bool{scaleFillName: true, scaleQueryName: true, freeBusyName: true,
		inviteName: true, freeBusyPostName: true}
	if len(s.Phases) != len(want) {
		t.Fatalf("want %d phases, got %d: %+v", len(want), len(s.Phases), s.Phases)
	}
	for i, p := range s.Phases {
		if !strings.HasPrefix(p.Name, want[i]) {
			t.Errorf("phase %d is %q, want %q…", i, p.Name, want[i])
		}
		switch p.Status {
		case "unsupported":
			if required[p.Name] {
				t.Errorf("%s: unsupported (%s)", p.Name, p.FirstError)
			}
			t.Logf("%s: unsupported (%s)", p.Name, p.FirstError)
		case "ok":
			if p.PerSecond <= 0 || p.P50 <= 0 || p.P99 < p.P50 || p.RSS <= 0 || p.PeakRSS < p.RSS {
				t.Errorf("%s: incomplete figures %+v", p.Name, p)
			}
			if p.Errors > 0 {
				t.Logf("%s: %d of %d requests failed, first: %s", p.Name, p.Errors, p.Requests, p.FirstError)
			}
		default:
			t.Errorf("%s: status %q", p.Name, p.Status)
		}
	}
	// Each phase's peak is its own and the free-busy POST's untimed
	// setup (the users' events) is measured apart; the run's peak is the
	// highest of them.
	if !s.PeakPerPhase {
		t.Errorf("peaks were not measured per phase")
	}
	for _, p := range s.Phases {
		if p.PeakRSS > s.PeakRSS || p.SetupPeak > s.PeakRSS {
			t.Errorf("%s: peak %d or setup peak %d above the run's peak %d", p.Name, p.PeakRSS, p.SetupPeak, s.PeakRSS)
		}
		if p.Name == freeBusyPostName && p.SetupPeak <= 0 {
			t.Errorf("%s: no peak of its untimed setup", p.Name)
		}
	}
	if fill := s.Phases[0]; fill.Requests != 200 {
		t.Errorf("fill made %d requests, want 200", fill.Requests)
	}
	if fill := s.Phases[1]; fill.Requests != 50 || fill.Errors != 0 {
		t.Errorf("second fill made %d requests with %d errors, want 50 without", fill.Requests, fill.Errors)
	}
	for _, p := range s.Phases {
		// Every answer is one VFREEBUSY; over a month of 200 events spread
		// over two years it is busy at some time.
		if p.Name == freeBusyName && p.AvgItems < 1 {
			t.Errorf("%s: %.1f FREEBUSY lines per answer, want at least 1", p.Name, p.AvgItems)
		}
		// Every invitation goes to 10 users and a room, each at a free
		// slot; every free-busy POST is answered 2.0 for all 20.
		if (p.Name == inviteName || p.Name == freeBusyPostName) && p.Status == "ok" &&
			(p.Errors > 0 || p.Requests == 0) {
			t.Errorf("%s: %d of %d requests failed, first: %s", p.Name, p.Errors, p.Requests, p.FirstError)
		}
		if p.Name == freeBusyPostName && p.AvgItems != 20 {
			t.Errorf("%s: %.1f recipients answered 2.0 on average, want 20", p.Name, p.AvgItems)
		}
	}
	if sc := s.Scale; sc == nil {
		t.Errorf("no scale comparison")
	} else {
		if sc.FullObjects != 200 || sc.SmallObjects != 50 || sc.FullP50 <= 0 || sc.SmallP50 <= 0 ||
			math.Abs(sc.Ratio-sc.FullP50/sc.SmallP50) > 1e-9 || sc.TargetMet == nil ||
			sc.Target != "200 vs 50 within 1.5×" {
			t.Errorf("incomplete scale comparison %+v", sc)
		}
	}
	if !s.Stopped {
		t.Errorf("server pid %d reported not stopped", s.ServerPID)
	}
	// Signal 0 probes for a process without signalling it.
	if err := syscall.Kill(s.ServerPID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("server pid %d still exists after the run (kill 0: %v)", s.ServerPID, err)
	}

	// The table rendering of the same report must name every phase.
	var table bytes.Buffer
	writeTable(&table, &rep)
	for _, w := range append(want, "scale, calendar-query week etag p50") {
		if !strings.Contains(table.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, table.String())
		}
	}
}
