package sqlite

import (
	"context"
	"database/sql"
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

// transfer copies or moves a tree in one transaction, by the steps of
// backend.TransferFileTree.
func (s *Store) transfer(ctx context.Context, t *backend.FileTransfer, move bool) (bool, error) {
	var created bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		created, err = backend.TransferFileTree(t, move, &fileTree{ctx: ctx, tx: tx, calID: t.CalendarID})
		return err
	})
	return created, err
}

// fileTree is backend.FileTreeTx on one transaction and calendar.
type fileTree struct {
	ctx   context.Context
	tx    *sql.Tx
	calID int64
}

func (f *fileTree) FindFile(path string) (*backend.File, error) {
	return findFile(f.ctx, f.tx, f.calID, path, false)
}

func (f *fileTree) CheckParent(path string, calendarOK bool) error {
	return checkParent(f.ctx, f.tx, f.calID, path, calendarOK)
}

func (f *fileTree) DeleteTree(path string) error { return deleteTree(f.ctx, f.tx, f.calID, path) }

func (f *fileTree) DeleteTreeProps(path string) error {
	return deleteTreeProps(f.ctx, f.tx, f.calID, path)
}

func (f *fileTree) MoveTree(src, dst string) error { return moveTree(f.ctx, f.tx, f.calID, src, dst) }

func (f *fileTree) CopyTree(src, dst string, shallow bool) error {
	return copyTree(f.ctx, f.tx, f.calID, src, dst, shallow)
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
