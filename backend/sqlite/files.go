package sqlite

import (
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
)

const fileColumns = `path, is_collection, content_type, etag, size, created_at, modified_at`

func scanFile(r scanner, calID int64, withData bool) (*backend.File, error) {
	f := &backend.File{CalendarID: calID}
	var created, modified sql.NullInt64
	dest := []any{&f.Path, &f.IsCollection, &f.ContentType, &f.ETag, &f.Size, &created, &modified}
	if withData {
		dest = append(dest, &f.Data)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	f.CreatedAt, f.ModifiedAt = fromUnix(created), fromUnix(modified)
	return f, nil
}

// treeWhere selects a file and everything below it: the path itself, and
// for a collection every path it prefixes. Its arguments are treeArgs.
const treeWhere = `calendar_id = ? AND (path = ? OR substr(path, 1, length(?)) = ?)`

func treeArgs(calID int64, path string) []any {
	prefix := strings.TrimSuffix(path, "/") + "/"
	return []any{calID, path, prefix, prefix}
}

// findFile returns the file at path in either form, without data.
func findFile(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, calID int64, path string, withData bool) (*backend.File, error) {
	cols := fileColumns
	if withData {
		cols += ", content"
	}
	p := strings.TrimSuffix(path, "/")
	f, err := scanFile(q.QueryRowContext(ctx, `SELECT `+cols+` FROM files WHERE calendar_id = ? AND path IN (?, ?)`,
		calID, p, p+"/"), calID, withData)
	if err != nil {
		return nil, fmt.Errorf("sqlite: file %q: %w", path, notFound(err))
	}
	return f, nil
}

// checkParent returns ErrMissingParent unless the parent of path is an
// existing collection, or the calendar itself when allowed (collections
// only: the calendar's own non-collection members are calendar objects).
func checkParent(ctx context.Context, tx *sql.Tx, calID int64, path string, calendarOK bool) error {
	parent := backend.FileParent(path)
	var one int
	var err error
	if parent == "" {
		if !calendarOK {
			return fmt.Errorf("sqlite: %q: %w", path, backend.ErrMissingParent)
		}
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM calendars WHERE id = ?`, calID).Scan(&one)
		if err != nil {
			return fmt.Errorf("sqlite: calendar %d: %w", calID, notFound(err))
		}
		// A top-level collection must not shadow a calendar object of the
		// same name: "CAL/name" would name both.
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM objects WHERE calendar_id = ? AND uri = ?`, calID,
			strings.TrimSuffix(path, "/")).Scan(&one)
		if err == nil {
			return fmt.Errorf("sqlite: calendar object %q: %w", path, backend.ErrExists)
		}
		return notFoundOK(err)
	}
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM files WHERE calendar_id = ? AND path = ?`, calID, parent).Scan(&one)
	if err == sql.ErrNoRows {
		return fmt.Errorf("sqlite: %q: %w", path, backend.ErrMissingParent)
	}
	return err
}

// MakeFileCollection implements backend.Files.
func (s *Store) MakeFileCollection(ctx context.Context, calID int64, path string, props []backend.Property) error {
	if err := backend.CheckNewPath(path); err != nil {
		return err
	}
	path = strings.TrimSuffix(path, "/") + "/"
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := checkParent(ctx, tx, calID, path, true); err != nil {
			return err
		}
		if _, err := findFile(ctx, tx, calID, path, false); err == nil {
			return fmt.Errorf("sqlite: collection %q: %w", path, backend.ErrExists)
		}
		now := time.Now().Unix()
		if _, err := tx.ExecContext(ctx, `INSERT INTO files (calendar_id, path, is_collection, created_at, modified_at)
			VALUES (?, ?, 1, ?, ?)`, calID, path, now, now); err != nil {
			return fmt.Errorf("sqlite: make collection: %w", err)
		}
		if err := deleteTreeProps(ctx, tx, calID, path); err != nil {
			return err
		}
		return patchProperties(ctx, tx, calID, path, props, nil)
	})
}

// PutFile implements backend.Files.
func (s *Store) PutFile(ctx context.Context, req *backend.PutFileRequest) (*backend.PutFileResult, error) {
	// Checked before anything is read: PostgreSQL cannot even compare some names.
	if err := backend.CheckNewPath(req.Path); err != nil {
		return nil, err
	}
	res := &backend.PutFileResult{ETag: backend.ETag(req.Data)}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := findFile(ctx, tx, req.CalendarID, req.Path, false)
		if err != nil && !errors.Is(err, backend.ErrNotFound) {
			return err
		}
		parent := checkParent(ctx, tx, req.CalendarID, req.Path, false)
		if err := backend.CheckPutFile(req, cur, parent); err != nil {
			return err
		}
		now := time.Now().Unix()
		if cur != nil {
			_, err = tx.ExecContext(ctx, `UPDATE files SET content = ?, content_type = ?, etag = ?, size = ?, modified_at = ?
				WHERE calendar_id = ? AND path = ?`, req.Data, req.ContentType, res.ETag, len(req.Data), now, req.CalendarID, req.Path)
		} else {
			res.Created = true
			if err := deleteTreeProps(ctx, tx, req.CalendarID, req.Path); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO files (calendar_id, path, is_collection, content, content_type, etag, size,
				created_at, modified_at) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?)`,
				req.CalendarID, req.Path, req.Data, req.ContentType, res.ETag, len(req.Data), now, now)
		}
		if err != nil {
			return fmt.Errorf("sqlite: put file: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// File implements backend.Files.
func (s *Store) File(ctx context.Context, calID int64, path string) (*backend.File, error) {
	return findFile(ctx, s.read, calID, path, true)
}

// ListFiles implements backend.Files.
func (s *Store) ListFiles(ctx context.Context, calID int64, dir string) ([]*backend.File, error) {
	if dir != "" {
		dir = strings.TrimSuffix(dir, "/") + "/"
	}
	// Direct members: below dir, with no further "/" except a final one.
	rows, err := s.read.QueryContext(ctx, `SELECT `+fileColumns+` FROM files WHERE calendar_id = ?
		AND substr(path, 1, length(?)) = ? AND path <> ?
		AND instr(rtrim(substr(path, length(?) + 1), '/'), '/') = 0 ORDER BY path`, calID, dir, dir, dir, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list files: %w", err)
	}
	defer rows.Close()
	var out []*backend.File
	for rows.Next() {
		f, err := scanFile(rows, calID, false)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFileTree implements backend.Files.
func (s *Store) DeleteFileTree(ctx context.Context, calID int64, path, ifMatch string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		f, err := findFile(ctx, tx, calID, path, false)
		if err != nil {
			return err
		}
		if err := backend.CheckFileDelete(f, ifMatch); err != nil {
			return err
		}
		return deleteTree(ctx, tx, calID, f.Path)
	})
}

// deleteTree removes a canonical path's tree with its dead properties.
func deleteTree(ctx context.Context, tx *sql.Tx, calID int64, path string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM files WHERE `+treeWhere, treeArgs(calID, path)...); err != nil {
		return fmt.Errorf("sqlite: delete files: %w", err)
	}
	return deleteTreeProps(ctx, tx, calID, path)
}

// deleteTreeProps removes the dead properties of a tree, including those a
// deleted namesake may have left.
func deleteTreeProps(ctx context.Context, tx *sql.Tx, calID int64, path string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM properties WHERE `+strings.ReplaceAll(treeWhere, "path", "object_uri"),
		treeArgs(calID, path)...)
	if err != nil {
		return fmt.Errorf("sqlite: delete file properties: %w", err)
	}
	return nil
}

// PatchFileProperties implements backend.Files.
func (s *Store) PatchFileProperties(ctx context.Context, calID int64, path string, set []backend.Property, remove []xml.Name) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		f, err := findFile(ctx, tx, calID, path, false)
		if err != nil {
			return err
		}
		return patchProperties(ctx, tx, calID, f.Path, set, remove)
	})
}

// notFoundOK turns sql.ErrNoRows into nil.
func notFoundOK(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
