package conformance

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kalends/kalends/internal/testenv"
)

// pyStep is one step of testdata/caldav_scenario.py's JSON summary; the
// fields besides ok and error depend on the step.
type pyStep struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	Trace string `json:"trace"`

	Principal      string            `json:"principal"`
	Home           string            `json:"home"`
	Calendars      []string          `json:"calendars"`
	CalendarsAfter []string          `json:"calendars_after"`
	DisplayName    string            `json:"displayname"`
	URL            string            `json:"url"`
	Saved          map[string]string `json:"saved"`
	Token          string            `json:"token"`
	Count          int               `json:"count"`
	Instances      int               `json:"instances"`
	Starts         []string          `json:"starts"`
	ServerExpanded bool              `json:"server_expanded"`
	ServerObjects  int               `json:"server_objects"`
	EventHasRRule  bool              `json:"event_has_rrule"`
	TodoSummary    string            `json:"todo_summary"`
	Summary        string            `json:"summary"`
	Gone           bool              `json:"gone"`
	TokenChanged   bool              `json:"token_changed"`
	Updated        []string          `json:"updated"`
	Deleted        []string          `json:"deleted"`
}

// TestPythonCalDAV runs a python3-caldav session (testdata/caldav_scenario.py)
// and checks its JSON summary step by step.
func TestPythonCalDAV(t *testing.T) {
	py := testenv.Python(t, "caldav")
	script, err := filepath.Abs(filepath.Join("testdata", "caldav_scenario.py"))
	if err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, srv *server) {
		ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, script, srv.url("/"), "alice", srv.users["alice"])
		// Outside the source tree, so no directory named like a module
		// shadows python's own.
		cmd.Dir = t.TempDir()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("caldav_scenario.py: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
		}
		var summary struct {
			Steps map[string]*pyStep `json:"steps"`
		}
		if err := json.Unmarshal(out, &summary); err != nil {
			t.Fatalf("caldav_scenario.py printed no JSON summary: %v\n%s", err, out)
		}
		step := func(name string) *pyStep {
			t.Helper()
			s := summary.Steps[name]
			if s == nil {
				t.Errorf("step %s: missing from the summary", name)
				return &pyStep{}
			}
			if !s.OK {
				t.Errorf("step %s failed: %s\n%s", name, s.Error, s.Trace)
			}
			return s
		}
		calURL := srv.url(calendarPath("alice", "pyscenario"))

		if s := step("discover"); s.OK {
			if s.Principal != srv.url(principalPath("alice")) || s.Home != srv.url(homePath("alice")) {
				t.Errorf("discover: principal %q home %q, want %q and %q", s.Principal, s.Home,
					srv.url(principalPath("alice")), srv.url(homePath("alice")))
			}
		}
		if s := step("list_calendars"); s.OK {
			want := []string{srv.url(calendarPath("alice", "calendar")), srv.url(calendarPath("alice", "tasks"))}
			if !slices.Equal(s.Calendars, want) {
				t.Errorf("list_calendars: %v, want %v", s.Calendars, want)
			}
		}
		if s := step("make_calendar"); s.OK {
			if !slices.Contains(s.CalendarsAfter, calURL) || s.DisplayName != "Python scenario" {
				t.Errorf("make_calendar: calendars %v, display name %q; want %s listed, named \"Python scenario\"",
					s.CalendarsAfter, s.DisplayName, calURL)
			}
		}
		if s := step("save"); s.OK && len(s.Saved) != 4 {
			t.Errorf("save: saved %v, want 4 objects", s.Saved)
		}
		if s := step("sync_initial"); s.OK && (s.Token == "" || s.Count != 4) {
			t.Errorf("sync_initial: token %q, %d objects; want a token and 4", s.Token, s.Count)
		}
		if s := step("search_range"); s.OK && s.Count != 3 {
			t.Errorf("search_range March 2026: %d events, want 3", s.Count)
		}
		if s := step("search_expand"); s.OK {
			var want []string
			for _, starts := range fixtureInstances {
				want = append(want, starts...)
			}
			slices.Sort(want)
			if s.Instances != len(want) || !slices.Equal(s.Starts, want) {
				t.Errorf("search_expand: %d instances %v, want %d %v", s.Instances, s.Starts, len(want), want)
			}
			if !s.ServerExpanded || s.ServerObjects != 3 {
				t.Errorf("search_expand: the server returned %d objects, expanded: %v; want 3, expanded (RFC 4791 §9.6.5) — python-caldav expanded on the client",
					s.ServerObjects, s.ServerExpanded)
			}
		}
		if s := step("fetch_by_uid"); s.OK && (!s.EventHasRRule || s.TodoSummary != "File the report") {
			t.Errorf("fetch_by_uid: event has RRULE %v, todo summary %q", s.EventHasRRule, s.TodoSummary)
		}
		if s := step("update"); s.OK && s.Summary != "Single event, renamed by python" {
			t.Errorf("update: summary after reload %q", s.Summary)
		}
		if s := step("delete"); s.OK && !s.Gone {
			t.Error("delete: the VTODO can still be found by UID")
		}
		if s := step("sync_incremental"); s.OK {
			saved := summary.Steps["save"]
			if !s.TokenChanged {
				t.Error("sync_incremental: the sync token did not change")
			}
			if saved != nil && (!slices.Equal(s.Updated, []string{saved.Saved["single.ics"]}) ||
				!slices.Equal(s.Deleted, []string{saved.Saved["todo.ics"]})) {
				t.Errorf("sync_incremental: updated %v deleted %v; want [%s] and [%s]", s.Updated, s.Deleted,
					saved.Saved["single.ics"], saved.Saved["todo.ics"])
			}
		}
	})
}
