package sqlite

import (
	"context"
	"database/sql"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
)

const calendarColumns = `id, principal_id, uri, kind, display_name, description, color, sort_order, timezone,
	components, transparent, revision, created_at, modified_at`

type scanner interface{ Scan(...any) error }

func scanCalendar(r scanner) (*backend.Calendar, error) {
	var c backend.Calendar
	var comps string
	var created, modified sql.NullInt64
	err := r.Scan(&c.ID, &c.PrincipalID, &c.URI, &c.Kind, &c.DisplayName, &c.Description, &c.Color, &c.Order,
		&c.Timezone, &comps, &c.Transparent, &c.Revision, &created, &modified)
	if err != nil {
		return nil, err
	}
	if comps != "" {
		c.Components = strings.Split(comps, ",")
	}
	c.CreatedAt, c.ModifiedAt = fromUnix(created), fromUnix(modified)
	return &c, nil
}

// ProvisionHome implements backend.Store.
func (s *Store) ProvisionHome(ctx context.Context, principalID int64, collections []*backend.Calendar) (bool, error) {
	created := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var done bool
		err := tx.QueryRowContext(ctx, `SELECT home_provisioned FROM principals WHERE id = ?`, principalID).Scan(&done)
		if err != nil {
			return fmt.Errorf("sqlite: provision home: %w", notFound(err))
		}
		created, err = backend.ProvisionHomeOnce(principalID, done, collections, func(c *backend.Calendar) error {
			return insertCalendar(ctx, tx, c)
		})
		if err != nil || !created {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE principals SET home_provisioned = 1 WHERE id = ?`, principalID)
		return err
	})
	return created, err
}

// CreateCalendar implements backend.Store.
func (s *Store) CreateCalendar(ctx context.Context, c *backend.Calendar, props []backend.Property) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := insertCalendar(ctx, tx, c); err != nil {
			return err
		}
		return patchProperties(ctx, tx, c.ID, "", props, nil)
	})
}

func insertCalendar(ctx context.Context, tx *sql.Tx, c *backend.Calendar) error {
	now := time.Now().UTC().Truncate(time.Second)
	err := tx.QueryRowContext(ctx, `INSERT INTO calendars (principal_id, uri, kind, display_name, description, color,
		sort_order, timezone, components, transparent, created_at, modified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.PrincipalID, c.URI, c.Kind, c.DisplayName, c.Description, c.Color, c.Order, c.Timezone,
		strings.Join(c.Components, ","), c.Transparent, now.Unix(), now.Unix()).Scan(&c.ID)
	if isUnique(err) {
		return fmt.Errorf("sqlite: collection %q: %w", c.URI, backend.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create collection: %w", err)
	}
	c.Revision, c.CreatedAt, c.ModifiedAt = 0, now, now
	_, err = logHomeChange(ctx, tx, c.PrincipalID, c.URI, false)
	return err
}

// Calendar implements backend.Store.
func (s *Store) Calendar(ctx context.Context, principalID int64, uri string) (*backend.Calendar, error) {
	return getCalendar(ctx, s.read, principalID, uri)
}

func getCalendar(ctx context.Context, q queryer, principalID int64, uri string) (*backend.Calendar, error) {
	c, err := scanCalendar(q.QueryRowContext(ctx, `SELECT `+calendarColumns+` FROM calendars WHERE principal_id = ? AND uri = ?`,
		principalID, uri))
	if err != nil {
		return nil, fmt.Errorf("sqlite: calendar: %w", notFound(err))
	}
	return c, nil
}

// ListCalendars implements backend.Store.
func (s *Store) ListCalendars(ctx context.Context, principalID int64) ([]*backend.Calendar, error) {
	return listCalendars(ctx, s.read, principalID)
}

func listCalendars(ctx context.Context, q queryer, principalID int64) ([]*backend.Calendar, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+calendarColumns+` FROM calendars WHERE principal_id = ? ORDER BY uri`, principalID)
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

// UpdateCalendar implements backend.Store.
func (s *Store) UpdateCalendar(ctx context.Context, id int64, u *backend.CalendarUpdate) (*backend.Calendar, error) {
	var out *backend.Calendar
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = updateCalendar(ctx, tx, id, u)
		return err
	})
	return out, err
}

// updateCalendar applies u to collection id within tx.
func updateCalendar(ctx context.Context, tx *sql.Tx, id int64, u *backend.CalendarUpdate) (*backend.Calendar, error) {
	c, err := scanCalendar(tx.QueryRowContext(ctx, `SELECT `+calendarColumns+` FROM calendars WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("sqlite: update calendar: %w", notFound(err))
	}
	c.Apply(u)
	c.ModifiedAt = time.Now().UTC().Truncate(time.Second)
	_, err = tx.ExecContext(ctx, `UPDATE calendars SET display_name = ?, description = ?, color = ?, sort_order = ?,
		timezone = ?, components = ?, transparent = ?, modified_at = ? WHERE id = ?`,
		c.DisplayName, c.Description, c.Color, c.Order, c.Timezone, strings.Join(c.Components, ","), c.Transparent,
		c.ModifiedAt.Unix(), id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: update calendar: %w", err)
	}
	if err := patchProperties(ctx, tx, id, "", u.Set, u.Remove); err != nil {
		return nil, err
	}
	// The home's sync-token and getctag change with the collection's
	// properties (RFC 6578 §3.3: a changed member collection is reported).
	if _, err := logHomeChange(ctx, tx, c.PrincipalID, c.URI, false); err != nil {
		return nil, err
	}
	return c, nil
}

// patchProperties writes dead properties of a collection (objectURI "")
// or a member, within the bounds of backend.CheckPropertySet and
// backend.CheckPropertyUsage; the caller's transaction rolls back on error.
func patchProperties(ctx context.Context, tx *sql.Tx, calID int64, objectURI string, set []backend.Property, remove []xml.Name) error {
	if len(set) == 0 && len(remove) == 0 {
		return nil
	}
	if err := backend.CheckPropertySet(set); err != nil {
		return err
	}
	for _, p := range set {
		_, err := tx.ExecContext(ctx, `INSERT INTO properties (calendar_id, object_uri, namespace, name, value) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (calendar_id, object_uri, namespace, name) DO UPDATE SET value = excluded.value`,
			calID, objectURI, p.Name.Space, p.Name.Local, p.XML)
		if err != nil {
			return fmt.Errorf("sqlite: set property: %w", err)
		}
	}
	for _, n := range remove {
		_, err := tx.ExecContext(ctx, `DELETE FROM properties WHERE calendar_id = ? AND object_uri = ? AND namespace = ? AND name = ?`,
			calID, objectURI, n.Space, n.Local)
		if err != nil {
			return fmt.Errorf("sqlite: remove property: %w", err)
		}
	}
	var u backend.PropertyUsage
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM properties WHERE calendar_id = ? AND object_uri = ? AND `+clientProperties, calID, objectURI).Scan(&u.Count)
	if err != nil {
		return fmt.Errorf("sqlite: property usage: %w", err)
	}
	if len(set) > 0 {
		if u.HomeBytes, err = homePropertyBytes(ctx, tx, `(SELECT principal_id FROM calendars WHERE id = ?)`, calID); err != nil {
			return err
		}
	}
	return backend.CheckPropertyUsage(u)
}

// homePropertyBytes sums the dead properties of the principal that the
// SQL expression principal (with its argument) names: its home's and
// those of its collections and their members.
func homePropertyBytes(ctx context.Context, tx *sql.Tx, principal string, arg any) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `WITH p AS (SELECT `+principal+` AS id)
		SELECT COALESCE((SELECT SUM(length(CAST(value AS BLOB))) FROM properties WHERE `+clientProperties+` AND calendar_id IN
			(SELECT c.id FROM calendars c, p WHERE c.principal_id = p.id)), 0)
		+ COALESCE((SELECT SUM(length(CAST(value AS BLOB))) FROM home_properties, p WHERE principal_id = p.id), 0)`, arg).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: property usage: %w", err)
	}
	return n, nil
}

// HomeProperties implements backend.Store.
func (s *Store) HomeProperties(ctx context.Context, principalID int64) ([]backend.Property, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT namespace, name, value FROM home_properties WHERE principal_id = ?
		ORDER BY namespace, name`, principalID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: home properties: %w", err)
	}
	return scanProperties(rows)
}

// PatchHomeProperties implements backend.Store.
func (s *Store) PatchHomeProperties(ctx context.Context, principalID int64, set []backend.Property, remove []xml.Name) error {
	if err := backend.CheckPropertySet(set); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM principals WHERE id = ?`, principalID).Scan(&one); err != nil {
			return fmt.Errorf("sqlite: home properties: %w", notFound(err))
		}
		for _, p := range set {
			_, err := tx.ExecContext(ctx, `INSERT INTO home_properties (principal_id, namespace, name, value) VALUES (?, ?, ?, ?)
				ON CONFLICT (principal_id, namespace, name) DO UPDATE SET value = excluded.value`,
				principalID, p.Name.Space, p.Name.Local, p.XML)
			if err != nil {
				return fmt.Errorf("sqlite: set home property: %w", err)
			}
		}
		for _, n := range remove {
			_, err := tx.ExecContext(ctx, `DELETE FROM home_properties WHERE principal_id = ? AND namespace = ? AND name = ?`,
				principalID, n.Space, n.Local)
			if err != nil {
				return fmt.Errorf("sqlite: remove home property: %w", err)
			}
		}
		var u backend.PropertyUsage
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM home_properties WHERE principal_id = ?`, principalID).Scan(&u.Count)
		if err != nil {
			return fmt.Errorf("sqlite: property usage: %w", err)
		}
		if u.HomeBytes, err = homePropertyBytes(ctx, tx, "?", principalID); err != nil {
			return err
		}
		return backend.CheckPropertyUsage(u)
	})
}

// DeleteCalendar implements backend.Store.
func (s *Store) DeleteCalendar(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := logCollectionChange(ctx, tx, id, true); err != nil {
			return err
		}
		return execOne(ctx, tx, `DELETE FROM calendars WHERE id = ?`, id)
	})
}

// Properties implements backend.Store.
func (s *Store) Properties(ctx context.Context, calID int64, objectURI string) ([]backend.Property, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT namespace, name, value FROM properties WHERE calendar_id = ? AND object_uri = ?
		ORDER BY namespace, name`, calID, objectURI)
	if err != nil {
		return nil, fmt.Errorf("sqlite: properties: %w", err)
	}
	return scanProperties(rows)
}

// scanProperties reads rows of (namespace, name, value) and closes them.
func scanProperties(rows *sql.Rows) ([]backend.Property, error) {
	defer rows.Close()
	var out []backend.Property
	for rows.Next() {
		var p backend.Property
		if err := rows.Scan(&p.Name.Space, &p.Name.Local, &p.XML); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PatchObjectProperties implements backend.Store.
func (s *Store) PatchObjectProperties(ctx context.Context, calID int64, objectURI string, set []backend.Property, remove []xml.Name) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM objects WHERE calendar_id = ? AND uri = ?`, calID, objectURI).Scan(&one)
		if err != nil {
			return fmt.Errorf("sqlite: object properties: %w", notFound(err))
		}
		return patchProperties(ctx, tx, calID, objectURI, set, remove)
	})
}

// Usage implements backend.Store.
func (s *Store) Usage(ctx context.Context, calID int64) (int64, error) {
	var n int64
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM objects WHERE calendar_id = ?`, calID).Scan(&n)
	return n, err
}

// clientProperties is the condition on the properties table that keeps
// the clients' dead properties and leaves out the server's own
// (backend.IsServerProperty), which the bounds do not count.
const clientProperties = "NOT (namespace = '" + backend.ServerNamespace + "' AND name LIKE '" + backend.ServerPropertyPrefix + "%')"
