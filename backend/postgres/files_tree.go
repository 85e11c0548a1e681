package postgres

import (
	"context"
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

// transfer copies or moves a tree in one transaction, by the steps of
// backend.TransferFileTree.
func (s *Store) transfer(ctx context.Context, t *backend.FileTransfer, move bool) (bool, error) {
	var created bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockFiles(ctx, tx, t.CalendarID); err != nil {
			return err
		}
		var err error
		created, err = backend.TransferFileTree(t, move, &fileTree{ctx: ctx, tx: tx, calID: t.CalendarID})
		return err
	})
	return created, err
}

// fileTree is backend.FileTreeTx on one transaction and calendar.
type fileTree struct {
	ctx   context.Context
	tx    pgx.Tx
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
