package conformance

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kalends/kalends/internal/testenv"
)

// litmusSuites are the litmus suites run against a calendar collection;
// each must pass completely (COMPLIANCE.md "litmus"). Every suite starts
// by MKCOLing a plain collection "litmus/" under the URL it is given and
// works inside it: RFC 4791 §4.2 allows collections that are not calendar
// collections inside a calendar collection, and any WebDAV resource
// inside those (caldav/files.go).
var litmusSuites = []string{"basic", "copymove", "props", "http"}

// litmusResult is one litmus test line.
type litmusResult struct {
	suite, test, result, reason string
}

var (
	// A test line; litmus prints the name twice when stdout is not a
	// terminal ("0. init....  0. init.... pass"), hence the search for the
	// last "N. name.... RESULT" on the line.
	litmusTestLine = regexp.MustCompile(`(\d+)\.\s+(\S+?)\.+\s+(pass|FAIL|SKIPPED|WARNING:?)(.*)$`)
	litmusSuite    = regexp.MustCompile("^-> running `([^']+)'")
	litmusSummary  = regexp.MustCompile("^<- summary for `([^']+)': of (\\d+) tests run: (\\d+) passed, (\\d+) failed")
)

// parseLitmus returns the results and per-suite [run, passed, failed]
// counts of litmus output.
func parseLitmus(out string) ([]litmusResult, map[string][3]int) {
	var results []litmusResult
	counts := map[string][3]int{}
	suite := ""
	for _, line := range strings.Split(out, "\n") {
		if m := litmusSuite.FindStringSubmatch(line); m != nil {
			suite = m[1]
			continue
		}
		if m := litmusSummary.FindStringSubmatch(line); m != nil {
			run, _ := strconv.Atoi(m[2])
			passed, _ := strconv.Atoi(m[3])
			failed, _ := strconv.Atoi(m[4])
			counts[m[1]] = [3]int{run, passed, failed}
			continue
		}
		if m := litmusTestLine.FindStringSubmatch(line); m != nil {
			results = append(results, litmusResult{suite, m[2], strings.TrimSuffix(m[3], ":"), strings.TrimSpace(m[4])})
			continue
		}
		// A failure reason may go on over several lines.
		if n := len(results); n > 0 && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "->") && !strings.HasPrefix(line, "<-") {
			results[n-1].reason += " " + strings.TrimSpace(line)
		}
	}
	return results, counts
}

// TestLitmus runs the litmus WebDAV suites against alice's "calendar"
// collection and requires every test of each suite to pass.
func TestLitmus(t *testing.T) {
	litmus := testenv.Command(t, "litmus")
	forEachStore(t, func(t *testing.T, srv *server) {
		ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
		defer cancel()
		// -k: go on with the next suite when one fails.
		cmd := exec.CommandContext(ctx, litmus, "-k", srv.url(calendarPath("alice", "calendar")), "alice", srv.users["alice"])
		cmd.Env = append(kalendsEnv(), "TESTS="+strings.Join(litmusSuites, " "))
		cmd.Dir = t.TempDir() // litmus writes debug.log and child.log here
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Fatalf("litmus did not finish within %v:\n%s", externalTimeout, out)
		}
		// litmus exits non-zero when any test fails; the counts decide.
		t.Logf("litmus exit: %v", err)

		results, counts := parseLitmus(string(out))
		for _, r := range results {
			if r.result != "pass" {
				t.Logf("litmus %s/%s: %s %s", r.suite, r.test, r.result, r.reason)
			}
		}
		for _, s := range litmusSuites {
			c, ok := counts[s]
			if !ok {
				t.Errorf("litmus printed no summary for suite %s:\n%s", s, out)
				continue
			}
			t.Logf("litmus %-8s (%s): %d run, %d passed, %d failed", s, srv.store, c[0], c[1], c[2])
			if c[0] == 0 || c[1] != c[0] {
				t.Errorf("litmus %s: %d of %d tests passed, want all", s, c[1], c[0])
			}
		}
		// Whatever litmus sends, the server must answer with a 4xx, never
		// fail inside.
		if strings.Contains(srv.stderr.String(), "internal error") {
			t.Errorf("litmus provoked an internal server error; see the server log")
		}
	})
}
