package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

// feedSelect reads feeds with the principal and URI of their calendar.
const feedSelect = `SELECT f.id, f.calendar_id, c.principal_id, c.uri, f.token, f.private_mode, f.label,
	date_trunc('second', f.created_at) FROM feeds f JOIN calendars c ON c.id = f.calendar_id`

func scanFeed(r pgx.Row) (*backend.Feed, error) {
	var f backend.Feed
	var private string
	err := r.Scan(&f.ID, &f.CalendarID, &f.PrincipalID, &f.CalendarURI, &f.Token, &private, &f.Label, &f.CreatedAt)
	if err != nil {
		return nil, err
	}
	f.Private = backend.FeedPrivacy(private)
	f.CreatedAt = f.CreatedAt.UTC()
	return &f, nil
}

// CreateFeed implements backend.Feeds.
func (s *Store) CreateFeed(ctx context.Context, f *backend.Feed) error {
	if f.Private == "" {
		f.Private = backend.FeedBusy
	}
	// One statement: the calendar is read and the feed inserted together,
	// and a calendar deleted meanwhile fails the foreign key.
	err := s.pool.QueryRow(ctx, `WITH c AS (SELECT id, principal_id, uri FROM calendars WHERE id = $1),
		f AS (INSERT INTO feeds (calendar_id, token_hash, token, private_mode, label)
			SELECT id, $2, $3, $4, $5 FROM c RETURNING id, date_trunc('second', created_at) AS created_at)
		SELECT f.id, f.created_at, c.principal_id, c.uri FROM f, c`,
		f.CalendarID, backend.FeedTokenHash(f.Token), f.Token, string(f.Private), f.Label).
		Scan(&f.ID, &f.CreatedAt, &f.PrincipalID, &f.CalendarURI)
	if _, ok := uniqueViolation(err); ok {
		return fmt.Errorf("postgres: feed token: %w", backend.ErrExists)
	}
	if err != nil {
		// No row: no such calendar; a foreign key violation: it was
		// deleted meanwhile.
		if writeError(err) == backend.ErrNotFound {
			err = backend.ErrNotFound
		}
		return fmt.Errorf("postgres: calendar %d: create feed: %w", f.CalendarID, notFound(err))
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return nil
}

// FeedByToken implements backend.Feeds.
func (s *Store) FeedByToken(ctx context.Context, token string) (*backend.Feed, error) {
	f, err := scanFeed(s.pool.QueryRow(ctx, feedSelect+` WHERE f.token_hash = $1`, backend.FeedTokenHash(token)))
	if err != nil {
		// The token is not repeated: errors end up in logs.
		return nil, fmt.Errorf("postgres: feed: %w", notFound(err))
	}
	return f, nil
}

// Feed implements backend.Feeds.
func (s *Store) Feed(ctx context.Context, id int64) (*backend.Feed, error) {
	f, err := scanFeed(s.pool.QueryRow(ctx, feedSelect+` WHERE f.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("postgres: feed %d: %w", id, notFound(err))
	}
	return f, nil
}

// ListFeeds implements backend.Feeds.
func (s *Store) ListFeeds(ctx context.Context, principalID, calendarID int64) ([]*backend.Feed, error) {
	rows, err := s.pool.Query(ctx, feedSelect+` WHERE c.principal_id = $1 AND ($2::bigint = 0 OR f.calendar_id = $2)
		ORDER BY c.uri, f.id`, principalID, calendarID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list feeds: %w", err)
	}
	defer rows.Close()
	var out []*backend.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list feeds: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFeed implements backend.Feeds.
func (s *Store) DeleteFeed(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM feeds WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete feed: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: feed %d: %w", id, backend.ErrNotFound)
	}
	return nil
}
