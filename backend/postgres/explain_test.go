package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/internal/testenv"
)

// TestRangeQueryUsesIndex: on a calendar of two years of events, the plan
// of a one-week InstancesInRange reads the range indexes and touches a
// small share of the occurrences, not all of them.
func TestRangeQueryUsesIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, testenv.PostgresDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := &backend.Principal{Kind: backend.KindUser, Name: "ix"}
	if err := s.CreatePrincipal(ctx, p, ""); err != nil {
		t.Fatal(err)
	}
	c := &backend.Calendar{PrincipalID: p.ID, URI: "cal", Kind: backend.CollectionCalendar, Components: []string{"VEVENT"}}
	if err := s.CreateCalendar(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	// 4,000 one-hour events over two years, a few multi-day ones, filled
	// with one statement each for speed.
	base := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	_, err = s.pool.Exec(ctx, `INSERT INTO objects (calendar_id, uri, uid, component, data, etag, size, created_at, modified_at)
		SELECT $1, g || '.ics', 'u' || g, 'VEVENT', 'x', 'e', 1, now(), now() FROM generate_series(1, 4000) g`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO instances (object_id, calendar_id, start_at, end_at)
		SELECT o.id, $1, $2::timestamptz + (g * interval '263 minutes'),
			$2::timestamptz + (g * interval '263 minutes') + CASE WHEN g % 500 = 0 THEN interval '5 days' ELSE interval '1 hour' END
		FROM objects o JOIN generate_series(1, 4000) g ON o.uri = g || '.ics' WHERE o.calendar_id = $1`, c.ID, base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE instances; ANALYZE objects`); err != nil {
		t.Fatal(err)
	}
	start := base.AddDate(1, 0, 0)
	end := start.AddDate(0, 0, 7)
	var plan string
	if err := s.pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+instancesInRangeSQL, c.ID, end, start).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "instances_range") || !strings.Contains(plan, "instances_long") {
		t.Fatalf("plan does not read the range indexes:\n%s", plan)
	}
	rows := rowsRead(t, plan, "instances")
	refs, err := s.InstancesInRange(ctx, c.ID, start, end)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one week: %d occurrences found, %d instance rows read of 4000", len(refs), rows)
	if len(refs) == 0 || rows > 4000/10 {
		t.Fatalf("one-week query read %d of 4000 instance rows (found %d)", rows, len(refs))
	}
}

// rowsRead sums the rows the plan's scans of a relation examined: those
// returned and those its filters removed (a sequential scan removes the
// rest of the table).
func rowsRead(t *testing.T, plan, relation string) int {
	var root []map[string]any
	if err := json.Unmarshal([]byte(plan), &root); err != nil {
		t.Fatal(err)
	}
	total := 0
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if n["Relation Name"] == relation {
			examined := n["Actual Rows"].(float64)
			for _, k := range []string{"Rows Removed by Filter", "Rows Removed by Index Recheck"} {
				if v, ok := n[k].(float64); ok {
					examined += v
				}
			}
			total += int(examined) * max(1, int(n["Actual Loops"].(float64)))
		}
		if kids, ok := n["Plans"].([]any); ok {
			for _, k := range kids {
				walk(k.(map[string]any))
			}
		}
	}
	walk(root[0]["Plan"].(map[string]any))
	return total
}

// TestHomeChangesUseIndex: on a home of 20 calendars holding 10,000
// changes, on a server of 21 such homes, a deep sync from a recent token
// reads the change logs by their home revision index and touches the few
// changes since the token, not the whole home.
func TestHomeChangesUseIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, testenv.PostgresDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The home, and 20 others holding the rest of the server's changes.
	var p *backend.Principal
	for i := 0; i < 21; i++ {
		q := &backend.Principal{Kind: backend.KindUser, Name: "hx" + string(rune('a'+i))}
		if err := s.CreatePrincipal(ctx, q, ""); err != nil {
			t.Fatal(err)
		}
		if p == nil {
			p = q
		}
		for j := 0; j < 20; j++ {
			c := &backend.Calendar{PrincipalID: q.ID, URI: "cal" + string(rune('a'+j)), Kind: backend.CollectionCalendar}
			if err := s.CreateCalendar(ctx, c, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	// 500 logged changes per calendar at home revisions 1,000 and up,
	// filled with one statement for speed.
	_, err = s.pool.Exec(ctx, `INSERT INTO changes (calendar_id, uri, revision, deleted, home_revision)
		SELECT c.id, g || '.ics', g, false, 1000 + g * 20 + c.id % 20 FROM calendars c, generate_series(1, 500) g`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE homes SET revision = 1000000 WHERE principal_id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE changes; ANALYZE calendars; ANALYZE home_changes`); err != nil {
		t.Fatal(err)
	}
	since := int64(1000 + 495*20)
	var plan string
	if err := s.pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+homeChangesSQL, p.ID, since, true, nil).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "changes_home_revision") {
		t.Fatalf("plan does not read the home revision index:\n%s", plan)
	}
	rows := rowsRead(t, plan, "changes")
	cs, err := s.HomeChanges(ctx, p.ID, backend.HomeChangesQuery{Since: since, Objects: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d changes found, %d change rows read of 10000", len(cs.Changes), rows)
	if len(cs.Changes) == 0 || rows > 10000/10 {
		t.Fatalf("a sync from a recent token read %d of 10000 change rows (found %d)", rows, len(cs.Changes))
	}
}
