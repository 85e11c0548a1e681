package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kalends/kalends/internal/testenv"
)

// pySchedStep is one step of testdata/sched_invite.py's JSON summary.
type pySchedStep struct {
	OK        bool     `json:"ok"`
	Error     string   `json:"error"`
	Trace     string   `json:"trace"`
	Principal string   `json:"principal"`
	Addresses []string `json:"addresses"`
	Calendars []string `json:"calendars"`
	URL       string   `json:"url"`
	Items     []struct {
		URL    string `json:"url"`
		UID    string `json:"uid"`
		Method string `json:"method"`
	} `json:"items"`
	Invites  int    `json:"invites"`
	Invite   string `json:"invite"`
	Partstat string `json:"partstat"`
}

// pyHTTP is one request python-caldav sent, as the script logged it.
type pyHTTP struct {
	Method   string `json:"method"`
	URL      string `json:"url"`
	Status   int    `json:"status"`
	Request  string `json:"request"`
	Response string `json:"response"`
}

// TestPythonCaldavScheduling: alice invites bob with a PUT; bob's
// python3-caldav finds the invitation in his schedule inbox and accepts it
// with accept_invite(); alice's copy then shows bob ACCEPTED.
func TestPythonCaldavScheduling(t *testing.T) {
	py := testenv.Python(t, "caldav")
	script, err := filepath.Abs(filepath.Join("testdata", "sched_invite.py"))
	if err != nil {
		t.Fatal(err)
	}
	forEachStore(t, func(t *testing.T, srv *server) {
		uid := "py-invite-" + srv.store + "@kalends.test"
		path := calendarPath("alice", "calendar") + "py-invite.ics"
		rq := request{method: http.MethodPut, path: path, user: "alice", body: icsEvent(uid,
			"DTSTART:20300311T140000Z", "DTEND:20300311T150000Z",
			"SUMMARY:Review with python", "SEQUENCE:0",
			"ORGANIZER;CN=Alice:"+mailtoOf("alice"),
			"ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:"+mailtoOf("alice"),
			"ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"+mailtoOf("bob")),
			header: map[string]string{"Content-Type": "text/calendar; charset=utf-8"}}
		if r := srv.do(t, rq); r.Status != http.StatusCreated {
			t.Fatalf("alice's invitation was refused:\n%s", schedExchange(rq, r))
		}

		ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, script, srv.url("/"), "bob", srv.users["bob"], uid)
		cmd.Dir = t.TempDir() // no ./caldav shadowing the module
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sched_invite.py: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
		}
		var summary struct {
			Steps map[string]*pySchedStep `json:"steps"`
			HTTP  []pyHTTP                `json:"http"`
		}
		if err := json.Unmarshal(out, &summary); err != nil {
			t.Fatalf("sched_invite.py printed no JSON summary: %v\n%s\nstderr: %s", err, out, stderr.String())
		}
		// Requests that failed, for the messages below: each distinct one
		// once (python-caldav's fallback in accept_invite can repeat a
		// failing PUT hundreds of times), with how often it was sent.
		var failed strings.Builder
		seen := map[string]int{}
		var order []pyHTTP
		for _, h := range summary.HTTP {
			if h.Status < 400 {
				continue
			}
			key := h.Method + " " + h.URL + " " + http.StatusText(h.Status)
			if seen[key] == 0 {
				order = append(order, h)
			}
			seen[key]++
		}
		for _, h := range order {
			fmt.Fprintf(&failed, "\n%s %s → %d %s (sent %d times)\n--- request body ---\n%s\n--- response body ---\n%s\n",
				h.Method, h.URL, h.Status, http.StatusText(h.Status), seen[h.Method+" "+h.URL+" "+http.StatusText(h.Status)], h.Request, h.Response)
		}
		step := func(name string) *pySchedStep {
			t.Helper()
			s := summary.Steps[name]
			if s == nil {
				t.Errorf("step %s: missing from the summary", name)
				return &pySchedStep{}
			}
			if !s.OK {
				t.Errorf("step %s failed: %s\n%s\nrequests python-caldav sent that failed:%s", name, s.Error, s.Trace, failed.String())
			}
			return s
		}

		if s := step("discover"); s.OK && s.Principal != srv.url(principalPath("bob")) {
			t.Errorf("discover: principal %q, want %q", s.Principal, srv.url(principalPath("bob")))
		}
		if s := step("inbox"); s.OK && s.URL != srv.url(homePath("bob")+"inbox/") {
			t.Errorf("schedule_inbox(): %q, want %q", s.URL, srv.url(homePath("bob")+"inbox/"))
		}
		if s := step("items"); s.OK && s.Invites == 0 {
			t.Errorf("ScheduleInbox.get_items(): no METHOD:REQUEST for %s among %+v", uid, s.Items)
		}
		step("accept")
		if s := step("copy"); s.OK && s.Partstat != "ACCEPTED" {
			t.Errorf("bob's copy %s after accept_invite(): PARTSTAT %s, want ACCEPTED", s.URL, s.Partstat)
		}

		a := schedGet(t, srv, "alice", path)
		if a == nil {
			t.Fatalf("GET %s: alice's invitation is gone", path)
		}
		wantPartstats(t, "alice's copy after bob's accept_invite()", schedMaster(a.cal), a.raw,
			map[string]string{mailtoOf("bob"): "ACCEPTED"})
		if t.Failed() {
			var all strings.Builder
			for i, h := range summary.HTTP {
				if i == 40 {
					fmt.Fprintf(&all, "\n  … %d more", len(summary.HTTP)-i)
					break
				}
				fmt.Fprintf(&all, "\n  %s %s → %d", h.Method, h.URL, h.Status)
			}
			t.Logf("the requests python-caldav sent:%s", all.String())
		}
	})
}
