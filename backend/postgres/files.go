package postgres

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

const fileColumns = `path, is_collection, content_type, etag, size, date_trunc('second', created_at), date_trunc('second', modified_at)`

func scanFile(r pgx.Row, calID int64, withData bool) (*backend.File, error) {
	f := &backend.File{CalendarID: calID}
	dest := []any{&f.Path, &f.IsCollection, &f.ContentType, &f.ETag, &f.Size, &f.CreatedAt, &f.ModifiedAt}
	if withData {
		dest = append(dest, &f.Data)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	f.CreatedAt, f.ModifiedAt = f.CreatedAt.UTC(), f.ModifiedAt.UTC()
	return f, nil
}

// treePrefix is the prefix of every path strictly below path.
func treePrefix(path string) string { return strings.TrimSuffix(path, "/") + "/" }

// findFile returns the file at path in either form.
func findFile(ctx context.Context, q querier, calID int64, path string, withData bool) (*backend.File, error) {
	cols := fileColumns
	if withData {
		cols += ", content"
	}
	p := strings.TrimSuffix(path, "/")
	f, err := scanFile(q.QueryRow(ctx, `SELECT `+cols+` FROM files WHERE calendar_id = $1 AND path IN ($2, $3)`,
		calID, p, p+"/"), calID, withData)
	if err != nil {
		return nil, fmt.Errorf("postgres: file %q: %w", path, notFound(err))
	}
	return f, nil
}

// lockFiles serializes the file writes of one calendar: preconditions are
// checked against a tree no one else changes before commit. An advisory
// lock rather than the calendar row, which object writes lock to bump the
// revision: files must not slow calendar data down.
func lockFiles(ctx context.Context, tx pgx.Tx, calID int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(1718183014, ($1 % 2147483647)::int)`, calID)
	if err != nil {
		return fmt.Errorf("postgres: lock files: %w", err)
	}
	return nil
}

// checkParent returns ErrMissingParent unless the parent of path is an
// existing collection, or the calendar itself when allowed (collections
// only: the calendar's own non-collection members are calendar objects).
func checkParent(ctx context.Context, tx pgx.Tx, calID int64, path string, calendarOK bool) error {
	parent := backend.FileParent(path)
	var one int
	if parent == "" {
		if !calendarOK {
			return fmt.Errorf("postgres: %q: %w", path, backend.ErrMissingParent)
		}
		if err := tx.QueryRow(ctx, `SELECT 1 FROM calendars WHERE id = $1`, calID).Scan(&one); err != nil {
			return fmt.Errorf("postgres: calendar %d: %w", calID, notFound(err))
		}
		// A top-level collection must not shadow a calendar object of the
		// same name: "CAL/name" would name both.
		err := tx.QueryRow(ctx, `SELECT 1 FROM objects WHERE calendar_id = $1 AND uri = $2`, calID,
			strings.TrimSuffix(path, "/")).Scan(&one)
		if err == nil {
			return fmt.Errorf("postgres: calendar object %q: %w", path, backend.ErrExists)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	}
	err := tx.QueryRow(ctx, `SELECT 1 FROM files WHERE calendar_id = $1 AND path = $2`, calID, parent).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %q: %w", path, backend.ErrMissingParent)
	}
	return err
}

// MakeFileCollection implements backend.Files.
func (s *Store) MakeFileCollection(ctx context.Context, calID int64, path string, props []backend.Property) error {
	if err := backend.CheckNewPath(path); err != nil {
		return err
	}
	path = treePrefix(path)
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockFiles(ctx, tx, calID); err != nil {
			return err
		}
		if err := checkParent(ctx, tx, calID, path, true); err != nil {
			return err
		}
		if _, err := findFile(ctx, tx, calID, path, false); err == nil {
			return fmt.Errorf("postgres: collection %q: %w", path, backend.ErrExists)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO files (calendar_id, path, is_collection) VALUES ($1, $2, true)`, calID, path); err != nil {
			return fmt.Errorf("postgres: make collection: %w", err)
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
	data := req.Data
	if data == nil {
		data = []byte{} // content is NULL only for collections
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockFiles(ctx, tx, req.CalendarID); err != nil {
			return err
		}
		cur, err := findFile(ctx, tx, req.CalendarID, req.Path, false)
		if err != nil && !errors.Is(err, backend.ErrNotFound) {
			return err
		}
		parent := checkParent(ctx, tx, req.CalendarID, req.Path, false)
		if err := backend.CheckPutFile(req, cur, parent); err != nil {
			return err
		}
		if cur != nil {
			_, err = tx.Exec(ctx, `UPDATE files SET content = $1, content_type = $2, etag = $3, size = $4, modified_at = now()
				WHERE calendar_id = $5 AND path = $6`, data, req.ContentType, res.ETag, len(data), req.CalendarID, req.Path)
		} else {
			res.Created = true
			if err := deleteTreeProps(ctx, tx, req.CalendarID, req.Path); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO files (calendar_id, path, is_collection, content, content_type, etag, size)
				VALUES ($1, $2, false, $3, $4, $5, $6)`, req.CalendarID, req.Path, data, req.ContentType, res.ETag, len(data))
		}
		if err != nil {
			return fmt.Errorf("postgres: put file: %w", err)
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
	return findFile(ctx, s.pool, calID, path, true)
}

// ListFiles implements backend.Files.
func (s *Store) ListFiles(ctx context.Context, calID int64, dir string) ([]*backend.File, error) {
	if dir != "" {
		dir = treePrefix(dir)
	}
	// Direct members: below dir, with no further "/" except a final one.
	rows, err := s.pool.Query(ctx, `SELECT `+fileColumns+` FROM files WHERE calendar_id = $1
		AND starts_with(path, $2) AND path <> $2
		AND strpos(rtrim(substr(path, length($2) + 1), '/'), '/') = 0 ORDER BY path`, calID, dir)
	if err != nil {
		return nil, fmt.Errorf("postgres: list files: %w", err)
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
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockFiles(ctx, tx, calID); err != nil {
			return err
		}
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
func deleteTree(ctx context.Context, tx pgx.Tx, calID int64, path string) error {
	_, err := tx.Exec(ctx, `DELETE FROM files WHERE calendar_id = $1 AND (path = $2 OR starts_with(path, $3))`,
		calID, path, treePrefix(path))
	if err != nil {
		return fmt.Errorf("postgres: delete files: %w", err)
	}
	return deleteTreeProps(ctx, tx, calID, path)
}

// deleteTreeProps removes the dead properties of a tree, including those a
// deleted namesake may have left.
func deleteTreeProps(ctx context.Context, tx pgx.Tx, calID int64, path string) error {
	_, err := tx.Exec(ctx, `DELETE FROM properties WHERE calendar_id = $1 AND (object_uri = $2 OR starts_with(object_uri, $3))`,
		calID, path, treePrefix(path))
	if err != nil {
		return fmt.Errorf("postgres: delete file properties: %w", err)
	}
	return nil
}

// PatchFileProperties implements backend.Files.
func (s *Store) PatchFileProperties(ctx context.Context, calID int64, path string, set []backend.Property, remove []xml.Name) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockFiles(ctx, tx, calID); err != nil {
			return err
		}
		f, err := findFile(ctx, tx, calID, path, false)
		if err != nil {
			return err
		}
		return patchProperties(ctx, tx, calID, f.Path, set, remove)
	})
}
