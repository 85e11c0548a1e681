package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kalends/kalends/backend"
)

// CalendarsOf implements backend.Store.
func (s *Store) CalendarsOf(ctx context.Context, principalIDs []int64) ([]*backend.Calendar, error) {
	return calendarsOf(ctx, s.read, principalIDs)
}

func calendarsOf(ctx context.Context, q queryer, principalIDs []int64) ([]*backend.Calendar, error) {
	if len(principalIDs) == 0 {
		return nil, nil
	}
	in, args := inList(principalIDs)
	rows, err := q.QueryContext(ctx, `SELECT `+calendarColumns+` FROM calendars WHERE principal_id IN `+in+`
		ORDER BY principal_id, uri`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list calendars: %w", err)
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

// busyPeriodsSQL reads the busy occurrences of the calendars listed in
// ?1 (a JSON array) overlapping [?3, ?2), clipped, by the two index paths
// of instancesInRangeSQL, without joining objects: the objects to leave
// out (not VEVENTs, or series indexed short of [?3, ?2) at either end)
// are found by their indexes and excluded by id.
var busyPeriodsSQL = `WITH cals AS (SELECT value AS id FROM json_each(?1)),
	skip AS (SELECT id FROM objects WHERE calendar_id IN cals
		AND (component < 'VEVENT' OR component > 'VEVENT' OR ` + unindexedSeries("?2", "?3") + `))
	SELECT i.calendar_id, max(i.start_at, ?3), min(i.end_at, ?2), i.busy_type FROM instances i
	WHERE i.calendar_id IN cals AND i.start_at < ?2 AND i.start_at >= ?3 - 86400 AND i.end_at > ?3
		AND NOT i.transparent AND i.status <> 'CANCELLED' AND i.busy_type NOT IN ('FREE', '')
		AND i.object_id NOT IN skip
	UNION ALL
	SELECT i.calendar_id, max(i.start_at, ?3), min(i.end_at, ?2), i.busy_type FROM instances i
	WHERE i.calendar_id IN cals AND i.start_at < ?3 - 86400 AND i.end_at > ?3 AND i.end_at - i.start_at > 86400
		AND NOT i.transparent AND i.status <> 'CANCELLED' AND i.busy_type NOT IN ('FREE', '')
		AND i.object_id NOT IN skip`

// FreeBusy implements backend.Store.
func (s *Store) FreeBusy(ctx context.Context, calendarIDs []int64, start, end time.Time) (*backend.FreeBusy, error) {
	fb := &backend.FreeBusy{}
	if len(calendarIDs) == 0 {
		return fb, nil
	}
	ids := "["
	for i, id := range calendarIDs {
		if i > 0 {
			ids += ","
		}
		ids += fmt.Sprint(id)
	}
	ids += "]"
	rows, err := s.read.QueryContext(ctx, busyPeriodsSQL, ids, end.Unix(), start.Unix())
	if err != nil {
		return nil, fmt.Errorf("sqlite: free-busy: %w", err)
	}
	for rows.Next() {
		var p backend.BusyPeriod
		var st, en sql.NullInt64
		if err := rows.Scan(&p.CalendarID, &st, &en, &p.BusyType); err != nil {
			rows.Close()
			return nil, err
		}
		p.Start, p.End = fromUnix(st), fromUnix(en)
		fb.Periods = append(fb.Periods, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: free-busy: %w", err)
	}
	rows, err = s.read.QueryContext(ctx, `SELECT calendar_id, `+objectColumns+`, data FROM objects
		WHERE calendar_id IN (SELECT value FROM json_each(?1))
		AND (component = 'VFREEBUSY' OR (component = 'VEVENT' AND `+unindexedSeries("?2", "?3")+`))
		ORDER BY calendar_id, uri`, ids, end.Unix(), start.Unix())
	if err != nil {
		return nil, fmt.Errorf("sqlite: free-busy: %w", err)
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
	return fb, rows.Err()
}
