package conformance

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kalends/kalends/internal/testenv"
)

// The room race: RFC 6638 leaves the auto-accept of a room to the server;
// issue 5 asks that the check and the booking be one atomic step, across
// several `kalends serve` processes on one PostgreSQL database, and in
// SQLite, here two processes on one file.
const (
	raceOrganizers = 20               // one meeting each per round
	raceRounds     = 10               // fresh time slots each round
	raceStep       = 2 * time.Minute  // meeting i starts i×raceStep after the first
	raceLength     = time.Hour        // longer than 19×raceStep: every pair overlaps
	raceBudget     = 6 * time.Minute  // the whole test, rounds included
	raceUserAdds   = 4                // concurrent `kalends user add`
	raceRoundLimit = 90 * time.Second // one round: PUTs, GETs, free-busy
)

// raceOrganizer names the i-th organizer (0-based).
func raceOrganizer(i int) string { return fmt.Sprintf("race%02d", i+1) }

// startSecondServer starts another `kalends serve` on first's database (a
// PostgreSQL connection string or an SQLite file), sharing its users. It is
// stopped (SIGTERM to its PID, then SIGKILL) when t ends.
func startSecondServer(t *testing.T, first *server) *server {
	t.Helper()
	srv := &server{store: first.store, database: first.database, stderr: &syncBuffer{}, users: first.users}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if lastErr = srv.start(t); lastErr == nil {
			return srv
		}
		if !strings.Contains(srv.stderr.String(), "address already in use") {
			break
		}
	}
	t.Fatalf("starting the second kalends serve: %v\n--- server log ---\n%s", lastErr, srv.stderr)
	return nil
}

// raceResult is one PUT of a round.
type raceResult struct {
	rq   request
	resp *response
	err  error
}

// TestRoomRace sends, ten times over, 20 concurrent invitations of one room
// for pairwise-overlapping slots, half to each of two server processes on
// one database: exactly one meeting gets the room (ACCEPTED in its
// organizer's copy), the 19 others are DECLINED, and the room's busy time is
// that one meeting. It runs on both stores: two processes on one PostgreSQL
// database (row lock and exclusion constraint), and two processes on one
// SQLite file (the file's write lock, with busy_timeout, serializes them).
func TestRoomRace(t *testing.T) {
	if buildFailed != nil {
		t.Fatalf("the kalends binary could not be built: %v", buildFailed)
	}
	t.Run("sqlite", func(t *testing.T) {
		roomRace(t, "sqlite", testenv.SQLitePath(t))
	})
	t.Run("postgres", func(t *testing.T) {
		roomRace(t, "postgres", testenv.PostgresDB(t))
	})
}

// roomRace is TestRoomRace on one store: database is the --database of both
// processes.
func roomRace(t *testing.T, store, database string) {
	began := time.Now()
	deadline := began.Add(raceBudget)
	a := startServer(t, store, database)
	b := startSecondServer(t, a)
	servers := []*server{a, b}
	// Whatever happens, a 5xx or a lock timeout in either log is reported
	// with its lines: it is a server bug, not load to be tuned away.
	defer raceCheckLogs(t, servers)
	a.addRoom(t, schedRoomName, schedRoomEmail, schedRoomCapacity)

	// The organizers, created by the binary a few at a time.
	var wg sync.WaitGroup
	sem := make(chan struct{}, raceUserAdds)
	errs := make([]string, raceOrganizers)
	for i := 0; i < raceOrganizers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = raceUserAdd(a, raceOrganizer(i))
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Fatalf("kalends user add %s: %s", raceOrganizer(i), e)
		}
		a.users[raceOrganizer(i)] = password(raceOrganizer(i))
	}

	rounds := time.Now()
	for round := 0; round < raceRounds; round++ {
		if time.Now().After(deadline) {
			t.Fatalf("round %d: the test's time budget of %v is spent", round+1, raceBudget)
		}
		if !raceRound(t, servers, round) {
			// One failing round shows the problem; ten would only repeat it.
			return
		}
	}
	t.Logf("%s: %d rounds of %d invitations in %v (%v with the servers' start and the users)",
		store, raceRounds, raceOrganizers, time.Since(rounds).Round(time.Millisecond),
		time.Since(began).Round(time.Millisecond))
}

// raceLogTroubles are the marks of a failed request in a server log: a 5xx
// is logged at ERROR level (caldav/log.go), and SQLite's lock timeout reads
// SQLITE_BUSY or "database is locked".
var raceLogTroubles = []string{"level=ERROR", `"level":"ERROR"`, "SQLITE_BUSY", "database is locked", "internal error"}

// raceCheckLogs fails t with every log line of servers that bears one of
// raceLogTroubles.
func raceCheckLogs(t *testing.T, servers []*server) {
	t.Helper()
	for n, s := range servers {
		var bad []string
		for _, line := range strings.Split(s.stderr.String(), "\n") {
			for _, mark := range raceLogTroubles {
				if strings.Contains(line, mark) {
					bad = append(bad, line)
					break
				}
			}
		}
		if len(bad) > 0 {
			t.Errorf("server %d (%s) logged %d failed requests or lock timeouts:\n%s",
				n+1, s.store, len(bad), strings.Join(bad, "\n"))
		}
	}
}

// raceUserAdd is addUser for a goroutine: `kalends user add NAME --email
// NAME@example.com --password-stdin`, returning the failure instead of
// failing the test.
func raceUserAdd(s *server, name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, kalendsBin, "user", "add", name, "--email", name+"@example.com",
		"--password-stdin", "--database", s.database)
	cmd.Env = kalendsEnv()
	cmd.Stdin = strings.NewReader(password(name) + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Sprintf("%v\n%s", err, out)
	}
	return ""
}

// raceRound runs one round; it reports whether the round passed.
func raceRound(t *testing.T, servers []*server, round int) bool {
	t.Helper()
	roundStart := time.Now()
	roundEnd := roundStart.Add(raceRoundLimit)
	base := time.Date(2031, 3, 3+round, 9, 0, 0, 0, time.UTC)
	slot := func(i int) schedPeriod {
		s := base.Add(time.Duration(i) * raceStep)
		return schedPeriod{s, s.Add(raceLength)}
	}
	uid := func(i int) string { return fmt.Sprintf("race-r%02d-m%02d@kalends.test", round+1, i+1) }
	path := func(i int) string {
		return calendarPath(raceOrganizer(i), "calendar") + fmt.Sprintf("race-r%02d.ics", round+1)
	}

	results := make([]raceResult, raceOrganizers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < raceOrganizers; i++ {
		org := raceOrganizer(i)
		p := slot(i)
		ics := icsEvent(uid(i),
			"DTSTART:"+p.start.Format("20060102T150405Z"), "DTEND:"+p.end.Format("20060102T150405Z"),
			fmt.Sprintf("SUMMARY:Race round %d, meeting %d", round+1, i+1), "SEQUENCE:0",
			"ORGANIZER:"+mailtoOf(org),
			"ATTENDEE;PARTSTAT=ACCEPTED:"+mailtoOf(org),
			"ATTENDEE;CN=Room 101;CUTYPE=ROOM;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"+schedRoomAddr)
		rq := request{method: http.MethodPut, path: path(i), user: org, body: ics,
			header: map[string]string{"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"}}
		srv := servers[i%len(servers)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := srv.doErr(rq)
			results[i] = raceResult{rq: rq, resp: resp, err: err}
		}()
	}
	close(start)
	wg.Wait()

	ok := true
	var accepted []int
	var summary []string
	for i, res := range results {
		switch {
		case res.err != nil:
			t.Errorf("round %d, meeting %d (server %d): %v", round+1, i+1, i%len(servers)+1, res.err)
			ok = false
			continue
		case res.resp.Status != http.StatusCreated:
			t.Errorf("round %d, meeting %d (server %d): the PUT was not created:\n%s", round+1, i+1, i%len(servers)+1,
				schedExchange(res.rq, res.resp))
			ok = false
			continue
		}
		// The organizer's copy, read back from the other server.
		other := servers[(i+1)%len(servers)]
		o := schedGet(t, other, raceOrganizer(i), path(i))
		if o == nil {
			t.Errorf("round %d, meeting %d: GET %s: 404 after a 201", round+1, i+1, path(i))
			ok = false
			continue
		}
		ps := schedPartstat(schedMaster(o.cal), schedRoomAddr)
		summary = append(summary, fmt.Sprintf("m%02d=%s", i+1, ps))
		switch ps {
		case "ACCEPTED":
			accepted = append(accepted, i)
		case "DECLINED":
		default:
			t.Errorf("round %d, meeting %d: the room is %s in the organizer's copy right after the PUT, want ACCEPTED or DECLINED\n%s\n--- then GET %s ---\n%s",
				round+1, i+1, ps, schedExchange(res.rq, res.resp), path(i), o.raw)
			ok = false
		}
	}
	if len(accepted) != 1 {
		t.Errorf("round %d: the room ACCEPTED %d of %d overlapping meetings, want exactly 1: %s",
			round+1, len(accepted), raceOrganizers, strings.Join(summary, " "))
		return false
	}
	if time.Now().After(roundEnd) {
		t.Errorf("round %d took more than %v", round+1, raceRoundLimit)
		return false
	}

	// The room's calendar holds that one booking: its busy time over the
	// round's window is exactly the accepted meeting.
	rq := schedFreeBusyRequest(raceOrganizer(0), base.Add(-time.Hour), base.Add(3*time.Hour), false, schedRoomAddr)
	r := servers[round%len(servers)].do(t, rq)
	answers, err := schedParseFreeBusy(r)
	if err != nil {
		t.Errorf("round %d: the room's calendar is checked by a free-busy POST, which failed: %v\n%s", round+1, err, schedExchange(rq, r))
		return false
	}
	wantBusy(t, fmt.Sprintf("round %d (meeting %d accepted)", round+1, accepted[0]+1), answers, schedRoomAddr,
		[]schedPeriod{slot(accepted[0])})
	// Earlier rounds passed (the test stops at the first that fails).
	if ok && !t.Failed() {
		t.Logf("round %d: meeting %d (sent to server %d) got the room, the %d others were declined (%v)",
			round+1, accepted[0]+1, accepted[0]%len(servers)+1, raceOrganizers-1,
			time.Since(roundStart).Round(time.Millisecond))
		return true
	}
	return false
}
