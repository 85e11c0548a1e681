package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kalends/kalends/backend"
)

// feedSelect reads feeds with the principal and URI of their calendar.
const feedSelect = `SELECT f.id, f.calendar_id, c.principal_id, c.uri, f.token, f.private_mode, f.label, f.created_at
	FROM feeds f JOIN calendars c ON c.id = f.calendar_id`

func scanFeed(r scanner) (*backend.Feed, error) {
	var f backend.Feed
	var created sql.NullInt64
	err := r.Scan(&f.ID, &f.CalendarID, &f.PrincipalID, &f.CalendarURI, &f.Token, &f.Private, &f.Label, &created)
	if err != nil {
		return nil, err
	}
	f.CreatedAt = fromUnix(created)
	return &f, nil
}

// CreateFeed implements backend.Feeds.
func (s *Store) CreateFeed(ctx context.Context, f *backend.Feed) error {
	if f.Private == "" {
		f.Private = backend.FeedBusy
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT principal_id, uri FROM calendars WHERE id = ?`, f.CalendarID).
			Scan(&f.PrincipalID, &f.CalendarURI)
		if err != nil {
			return fmt.Errorf("sqlite: calendar %d: %w", f.CalendarID, notFound(err))
		}
		now := time.Now().UTC().Truncate(time.Second)
		err = tx.QueryRowContext(ctx, `INSERT INTO feeds (calendar_id, token_hash, token, private_mode, label, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			f.CalendarID, backend.FeedTokenHash(f.Token), f.Token, string(f.Private), f.Label, now.Unix()).Scan(&f.ID)
		if isUnique(err) {
			return fmt.Errorf("sqlite: feed token: %w", backend.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("sqlite: create feed: %w", err)
		}
		f.CreatedAt = now
		return nil
	})
}

// FeedByToken implements backend.Feeds.
func (s *Store) FeedByToken(ctx context.Context, token string) (*backend.Feed, error) {
	f, err := scanFeed(s.read.QueryRowContext(ctx, feedSelect+` WHERE f.token_hash = ?`, backend.FeedTokenHash(token)))
	if err != nil {
		// The token is not repeated: errors end up in logs.
		return nil, fmt.Errorf("sqlite: feed: %w", notFound(err))
	}
	return f, nil
}

// Feed implements backend.Feeds.
func (s *Store) Feed(ctx context.Context, id int64) (*backend.Feed, error) {
	f, err := scanFeed(s.read.QueryRowContext(ctx, feedSelect+` WHERE f.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("sqlite: feed %d: %w", id, notFound(err))
	}
	return f, nil
}

// ListFeeds implements backend.Feeds.
func (s *Store) ListFeeds(ctx context.Context, principalID, calendarID int64) ([]*backend.Feed, error) {
	rows, err := s.read.QueryContext(ctx, feedSelect+` WHERE c.principal_id = ? AND (? = 0 OR f.calendar_id = ?)
		ORDER BY c.uri, f.id`, principalID, calendarID, calendarID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list feeds: %w", err)
	}
	defer rows.Close()
	var out []*backend.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list feeds: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFeed implements backend.Feeds.
func (s *Store) DeleteFeed(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM feeds WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete feed: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlite: feed %d: %w", id, backend.ErrNotFound)
		}
		return nil
	})
}
