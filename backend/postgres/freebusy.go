package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

// CalendarsOf implements backend.Store.
func (s *Store) CalendarsOf(ctx context.Context, principalIDs []int64) ([]*backend.Calendar, error) {
	return calendarsOf(ctx, s.pool, principalIDs)
}

func calendarsOf(ctx context.Context, q querier, principalIDs []int64) ([]*backend.Calendar, error) {
	rows, err := q.Query(ctx, `SELECT `+calendarColumns+` FROM calendars WHERE principal_id = ANY($1)
		ORDER BY principal_id, uri`, principalIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: list calendars: %w", err)
	}
	defer rows.Close()
	var out []*backend.Calendar
	for rows.Next() {
		c, err := scanCalendar(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// busyPeriodsSQL reads the busy occurrences of calendars $1 overlapping
// [$3, $2), clipped, by the two index paths of instancesInRangeSQL. It
// never joins objects, whose scan would cost what the whole database
// holds: the objects to leave out (not VEVENTs, or series indexed short
// of [$3, $2) at either end) are found by the (calendar_id, component) and
// unindexed-series indexes and excluded by id.
var busyPeriodsSQL = `WITH skip AS (SELECT id FROM objects WHERE calendar_id = ANY($1)
		AND (component < 'VEVENT' OR component > 'VEVENT' OR ` + unindexedSeries("$2", "$3") + `))
	SELECT i.calendar_id, greatest(i.start_at, $3), least(i.end_at, $2), i.busy_type FROM instances i
	WHERE i.calendar_id = ANY($1) AND i.start_at < $2 AND i.start_at >= $3::timestamptz - interval '1 day' AND i.end_at > $3
		AND NOT i.transparent AND i.status <> 'CANCELLED' AND i.busy_type NOT IN ('FREE', '')
		AND i.object_id NOT IN (SELECT id FROM skip)
	UNION ALL
	SELECT i.calendar_id, greatest(i.start_at, $3), least(i.end_at, $2), i.busy_type FROM instances i
	WHERE i.calendar_id = ANY($1) AND i.start_at < $3::timestamptz - interval '1 day' AND i.end_at > $3
		AND i.end_at - i.start_at > interval '1 day'
		AND NOT i.transparent AND i.status <> 'CANCELLED' AND i.busy_type NOT IN ('FREE', '')
		AND i.object_id NOT IN (SELECT id FROM skip)`

// FreeBusy implements backend.Store: the periods and the objects to read
// go in one round trip.
func (s *Store) FreeBusy(ctx context.Context, calendarIDs []int64, start, end time.Time) (*backend.FreeBusy, error) {
	fb := &backend.FreeBusy{}
	if len(calendarIDs) == 0 {
		return fb, nil
	}
	b := &pgx.Batch{}
	b.Queue(busyPeriodsSQL, calendarIDs, end, start)
	b.Queue(`SELECT calendar_id, `+objectColumns+`, data FROM objects WHERE calendar_id = ANY($1)
		AND (component = 'VFREEBUSY' OR (component = 'VEVENT' AND `+unindexedSeries("$2", "$3")+`))
		ORDER BY calendar_id, uri`, calendarIDs, end, start)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("postgres: free-busy: %w", err)
	}
	for rows.Next() {
		var p backend.BusyPeriod
		if err := rows.Scan(&p.CalendarID, &p.Start, &p.End, &p.BusyType); err != nil {
			rows.Close()
			return nil, err
		}
		p.Start, p.End = p.Start.UTC(), p.End.UTC()
		fb.Periods = append(fb.Periods, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: free-busy: %w", err)
	}
	if rows, err = br.Query(); err != nil {
		return nil, fmt.Errorf("postgres: free-busy: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var calID int64
		o, err := scanObject(prependScan(rows, &calID), 0, true)
		if err != nil {
			return nil, err
		}
		o.CalendarID = calID
		fb.Objects = append(fb.Objects, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: free-busy: %w", err)
	}
	rows.Close()
	return fb, br.Close()
}
