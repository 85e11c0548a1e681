package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

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
	err := s.tx(ctx, func(tx *sql.Tx) error {
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
func moveTree(ctx context.Context, tx *sql.Tx, calID int64, src, dst string) error {
	args := append([]any{dst, src}, treeArgs(calID, src)...)
	if _, err := tx.ExecContext(ctx, `UPDATE files SET path = ? || substr(path, length(?) + 1) WHERE `+treeWhere, args...); err != nil {
		return fmt.Errorf("sqlite: move files: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE properties SET object_uri = ? || substr(object_uri, length(?) + 1) WHERE `+
		strings.ReplaceAll(treeWhere, "path", "object_uri"), args...)
	if err != nil {
		return fmt.Errorf("sqlite: move file properties: %w", err)
	}
	return nil
}

// copyTree copies src's tree (only src itself when shallow) to dst; the
// copies are new resources, created now.
func copyTree(ctx context.Context, tx *sql.Tx, calID int64, src, dst string, shallow bool) error {
	where, whereArgs := treeWhere, treeArgs(calID, src)
	if shallow {
		where, whereArgs = `calendar_id = ? AND path = ?`, []any{calID, src}
	}
	now := time.Now().Unix()
	args := append([]any{dst, src, now, now}, whereArgs...)
	_, err := tx.ExecContext(ctx, `INSERT INTO files (calendar_id, path, is_collection, content, content_type, etag, size,
		created_at, modified_at) SELECT calendar_id, ? || substr(path, length(?) + 1), is_collection, content, content_type,
		etag, size, ?, ? FROM files WHERE `+where, args...)
	if err != nil {
		return fmt.Errorf("sqlite: copy files: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO properties (calendar_id, object_uri, namespace, name, value)
		SELECT calendar_id, ? || substr(object_uri, length(?) + 1), namespace, name, value FROM properties WHERE `+
		strings.ReplaceAll(where, "path", "object_uri"), append([]any{dst, src}, whereArgs...)...)
	if err != nil {
		return fmt.Errorf("sqlite: copy file properties: %w", err)
	}
	return nil
}
