package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

// CopyFileTree implements backend.Files.
func (s *Store) CopyFileTree(ctx context.Context, t *backend.FileTransfer) (bool, error) {
	return s.transfer(ctx, t, false)
}

// MoveFileTree implements backend.Files.
func (s *Store) MoveFileTree(ctx context.Context, t *backend.FileTransfer) (bool, error) {
	return s.transfer(ctx, t, true)
}

// transfer copies or moves a tree in one transaction. An existing
// destination is deleted first (RFC 4918 §9.8.4, §9.9.3: "the destination
// resource is deleted as if by DELETE" before the copy or move).
func (s *Store) transfer(ctx context.Context, t *backend.FileTransfer, move bool) (bool, error) {
	created := true
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockFiles(ctx, tx, t.CalendarID); err != nil {
			return err
		}
		src, err := findFile(ctx, tx, t.CalendarID, t.Src, false)
		if err != nil {
			return err
		}
		dst, err := backend.FileTransferDestination(src, t.Dst)
		if err != nil {
			return err
		}
		if err := checkParent(ctx, tx, t.CalendarID, dst, src.IsCollection); err != nil {
			return err
		}
		old, err := findFile(ctx, tx, t.CalendarID, dst, false)
		if err != nil && !errors.Is(err, backend.ErrNotFound) {
			return err
		}
		if created, err = backend.CheckFileTransfer(t, old); err != nil {
			return err
		}
		if old != nil {
			if err := deleteTree(ctx, tx, t.CalendarID, old.Path); err != nil {
				return err
			}
		}
		if err := deleteTreeProps(ctx, tx, t.CalendarID, dst); err != nil {
			return err
		}
		if move {
			return moveTree(ctx, tx, t.CalendarID, src.Path, dst)
		}
		return copyTree(ctx, tx, t.CalendarID, src.Path, dst, t.Shallow && src.IsCollection)
	})
	return created, err
}

// moveTree renames every path below src (src included) to the same path
// below dst, for files and their dead properties.
func moveTree(ctx context.Context, tx pgx.Tx, calID int64, src, dst string) error {
	_, err := tx.Exec(ctx, `UPDATE files SET path = $1 || substr(path, length($2) + 1)
		WHERE calendar_id = $3 AND (path = $2 OR starts_with(path, $4))`, dst, src, calID, treePrefix(src))
	if err != nil {
		return fmt.Errorf("postgres: move files: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE properties SET object_uri = $1 || substr(object_uri, length($2) + 1)
		WHERE calendar_id = $3 AND (object_uri = $2 OR starts_with(object_uri, $4))`, dst, src, calID, treePrefix(src))
	if err != nil {
		return fmt.Errorf("postgres: move file properties: %w", err)
	}
	return nil
}

// copyTree copies src's tree (only src itself when shallow) to dst; the
// copies are new resources, created now.
func copyTree(ctx context.Context, tx pgx.Tx, calID int64, src, dst string, shallow bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO files (calendar_id, path, is_collection, content, content_type, etag, size)
		SELECT calendar_id, $1 || substr(path, length($2) + 1), is_collection, content, content_type, etag, size
		FROM files WHERE calendar_id = $3 AND (path = $2 OR (NOT $5 AND starts_with(path, $4)))`,
		dst, src, calID, treePrefix(src), shallow)
	if err != nil {
		return fmt.Errorf("postgres: copy files: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO properties (calendar_id, object_uri, namespace, name, value)
		SELECT calendar_id, $1 || substr(object_uri, length($2) + 1), namespace, name, value
		FROM properties WHERE calendar_id = $3 AND (object_uri = $2 OR (NOT $5 AND starts_with(object_uri, $4)))`,
		dst, src, calID, treePrefix(src), shallow)
	if err != nil {
		return fmt.Errorf("postgres: copy file properties: %w", err)
	}
	return nil
}
