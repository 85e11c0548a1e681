package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything one run measured.
type report struct {
	Config  config        `json:"config"`
	Started time.Time     `json:"started"`
	Stores  []storeResult `json:"stores"`
}

// The project's targets. They are printed beside
// the figures, never enforced: the figures depend on the machine.
const (
	targetPutPerSecond = 2000      // PostgreSQL, 8 clients, one calendar
	targetQueryP50     = 5.0       // ms, one-week calendar-query on 20,000 objects
	targetSyncP50      = 5.0       // ms, incremental sync after 10 changes
	targetRSS          = 150 << 20 // bytes, server resident memory
	targetFreeBusyP50  = 20.0      // ms, free-busy-query of a month, PostgreSQL, 20,000 objects
	targetScaleRatio   = 1.5       // one-week calendar-query p50, full calendar / quarter-size calendar
	targetInviteP50    = 30.0      // ms, PUT of a meeting with 10 local attendees and a room, PostgreSQL
	targetFBPostP50    = 20.0      // ms, outbox free-busy POST for 20 principals over a month, PostgreSQL
	putCeilingScript   = "../shared/bench/pg_put_limit.sh"
)

// applyTargets sets the target columns of the phases that have one.
func applyTargets(store string, phases []phaseResult) {
	for i := range phases {
		p := &phases[i]
		if p.Status != "ok" || p.Requests == 0 {
			continue
		}
		var met bool
		switch {
		case p.Name == fillName && store == "postgres":
			p.Target = fmt.Sprintf("≥ %d/s (8 clients)", targetPutPerSecond)
			p.TargetShare = p.PerSecond / targetPutPerSecond
			met = p.PerSecond >= targetPutPerSecond
		case p.Name == queryEtagName:
			p.Target = fmt.Sprintf("p50 ≤ %g ms", targetQueryP50)
			met = p.P50 <= targetQueryP50
		case p.Name == freeBusyName && store == "postgres":
			p.Target = fmt.Sprintf("p50 ≤ %g ms (PostgreSQL, 20,000 objects)", targetFreeBusyP50)
			met = p.P50 <= targetFreeBusyP50
		case p.Name == inviteName && store == "postgres":
			p.Target = fmt.Sprintf("p50 ≤ %g ms (PostgreSQL)", targetInviteP50)
			met = p.P50 <= targetInviteP50
		case p.Name == freeBusyPostName && store == "postgres":
			p.Target = fmt.Sprintf("p50 ≤ %g ms (PostgreSQL)", targetFBPostP50)
			met = p.P50 <= targetFBPostP50
		case strings.HasPrefix(p.Name, "sync-collection"):
			p.Target = fmt.Sprintf("p50 ≤ %g ms", targetSyncP50)
			met = p.P50 <= targetSyncP50
		default:
			continue
		}
		p.TargetMet = &met
	}
}

// scaleResult compares the p50 of the one-week calendar-query (getetag) on
// the main calendar with that of the same query on the second calendar, a
// quarter its size, filled with the same mix at the same density.
type scaleResult struct {
	FullObjects  int     `json:"full_objects"` // objects the fills stored
	SmallObjects int     `json:"small_objects"`
	FullP50      float64 `json:"full_p50_ms"`
	SmallP50     float64 `json:"small_p50_ms"`
	Ratio        float64 `json:"ratio"` // FullP50 / SmallP50
	Target       string  `json:"target"`
	TargetMet    *bool   `json:"target_met,omitempty"` // absent when a fill fell short of its size
	Note         string  `json:"note,omitempty"`
}

// compareScale sets the scale target on the second calendar's query phase
// and returns the comparison, or nil when either query has no figures.
// wantFull and wantSmall are the sizes the fills aimed at; full and small
// what they stored. A comparison of other sizes is not judged.
func compareScale(phases []phaseResult, wantFull, wantSmall, full, small int) *scaleResult {
	var f, s *phaseResult
	for i := range phases {
		switch phases[i].Name {
		case queryEtagName:
			f = &phases[i]
		case scaleQueryName:
			s = &phases[i]
		}
	}
	if f == nil || s == nil || f.Status != "ok" || s.Status != "ok" || f.P50 <= 0 || s.P50 <= 0 {
		return nil
	}
	r := &scaleResult{FullObjects: full, SmallObjects: small, FullP50: f.P50, SmallP50: s.P50, Ratio: f.P50 / s.P50,
		Target: fmt.Sprintf("%s vs %s within %g×", thousands(wantFull), thousands(wantSmall), targetScaleRatio)}
	s.Target, s.TargetRatio = r.Target, r.Ratio
	if full == wantFull && small == wantSmall {
		met := r.Ratio <= targetScaleRatio
		r.TargetMet, s.TargetMet = &met, &met
	} else {
		r.Note = fmt.Sprintf("the fills stored %d and %d objects instead of %d and %d: not judged",
			full, small, wantFull, wantSmall)
	}
	return r
}

// thousands formats n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// writeJSON prints the report as indented JSON.
func writeJSON(w io.Writer, rep *report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// displayOrder lists the phases as the brief numbers them; they run in
// another order so that the read phases see exactly --objects objects.
var displayOrder = []string{"PUT fill", "PUT new, 1", "PUT new, ", "GET", "PROPFIND", "calendar-query week, etag",
	"calendar-query week, expand", "calendar-multiget", "free-busy-query", "invite", "free-busy POST", "sync-collection"}

// rank is the position of a phase in displayOrder.
func rank(name string) int {
	for i, prefix := range displayOrder {
		if strings.HasPrefix(name, prefix) {
			return i
		}
	}
	return len(displayOrder)
}

// writeTable prints one table per store, then the first error of each
// phase that had errors.
func writeTable(w io.Writer, rep *report) {
	c := rep.Config
	fmt.Fprintf(w, "Kalends load benchmark: %d objects, %d clients, %v per phase (at most %d requests)\n",
		c.Objects, c.Concurrency, c.Duration, c.MaxRequests)
	fmt.Fprintln(w, "items: multistatus responses per answer; KB: size of the answer (PUT: of the event sent);"+
		" RSS: the server's VmRSS at the phase's end; peak: its VmHWM during the phase (its untimed setup's in the note)")
	for _, s := range rep.Stores {
		phases := slices.Clone(s.Phases)
		slices.SortStableFunc(phases, func(a, b phaseResult) int { return rank(a.Name) - rank(b.Name) })
		fmt.Fprintf(w, "\n== %s ==\n", s.Store)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "phase\trequests\terrors\treq/s\tp50 ms\tp99 ms\titems\tKB\tRSS MB\tpeak MB\ttarget\tnote")
		for _, p := range phases {
			fmt.Fprintf(tw, "%s\t", p.Name)
			if p.Status == "unsupported" {
				fmt.Fprintf(tw, "unsupported\t\t\t\t\t\t\t%.0f\t%.0f\t\t%s\n", mb(p.RSS), mb(p.PeakRSS), p.Note)
				continue
			}
			items := "-"
			if p.AvgItems > 0 {
				items = fmt.Sprintf("%.1f", p.AvgItems)
			}
			fmt.Fprintf(tw, "%d\t%d\t%.1f\t%.2f\t%.2f\t%s\t%.1f\t%.0f\t%.0f\t%s\t%s\n",
				p.Requests, p.Errors, p.PerSecond, p.P50, p.P99, items, p.AvgBytes/1024,
				mb(p.RSS), mb(p.PeakRSS), targetText(p), noteText(p))
		}
		tw.Flush()
		if !s.PeakPerPhase {
			fmt.Fprintln(w, "peak MB counts from the server's start here (VmHWM could not be reset)")
		}
		verdict := "met"
		if s.PeakRSS > targetRSS {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "server pid %d: peak RSS %.0f MB (target ≤ %d MB: %s); stopped: %v\n",
			s.ServerPID, mb(s.PeakRSS), targetRSS>>20, verdict, s.Stopped)
		if sc := s.Scale; sc != nil {
			verdict := "not judged"
			if sc.TargetMet != nil && *sc.TargetMet {
				verdict = "met"
			} else if sc.TargetMet != nil {
				verdict = "MISSED"
			}
			fmt.Fprintf(w, "scale, calendar-query week etag p50: %.2f ms on %d objects, %.2f ms on %d: %.2f× (target %s: %s)\n",
				sc.FullP50, sc.FullObjects, sc.SmallP50, sc.SmallObjects, sc.Ratio, sc.Target, verdict)
			if sc.Note != "" {
				fmt.Fprintf(w, "  scale: %s\n", sc.Note)
			}
		}
		fmt.Fprintf(w, "load average before: %s, after: %s (%d CPUs)\n", s.LoadAvg[0], s.LoadAvg[1], runtime.NumCPU())
		for _, p := range phases {
			if p.FirstError != "" && p.Status != "unsupported" {
				fmt.Fprintf(w, "  %s, first error: %s\n", p.Name, oneLine(p.FirstError))
			}
		}
	}
	if slices.Contains(c.Stores, "postgres") {
		fmt.Fprintf(w, "\ncompare with %s\n", putCeilingScript)
	}
}

// targetText renders a phase's target and whether it was met.
func targetText(p phaseResult) string {
	if p.TargetMet == nil {
		return ""
	}
	verdict := "met"
	if !*p.TargetMet {
		verdict = "MISSED"
	}
	if p.TargetRatio > 0 {
		return fmt.Sprintf("%s: %s (%.2f×)", p.Target, verdict, p.TargetRatio)
	}
	if p.TargetShare > 0 {
		return fmt.Sprintf("%s: %s (%.0f%%)", p.Target, verdict, 100*p.TargetShare)
	}
	return p.Target + ": " + verdict
}

// noteText adds the phase's state to its note when it did not simply run.
func noteText(p phaseResult) string {
	note := p.Note
	if p.SetupPeak > 0 {
		note += fmt.Sprintf("; untimed setup peak %.0f MB", mb(p.SetupPeak))
	}
	if p.Status != "ok" {
		return p.Status + "; " + note
	}
	return note
}

// mb converts bytes to mebibytes.
func mb(n int64) float64 { return float64(n) / (1 << 20) }

// oneLine folds an error (which may quote a multi-line answer) into one
// line for the table's footer.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
