package postgres

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

const calendarColumns = `id, principal_id, uri, kind, display_name, description, color, sort_order, timezone,
	components, transparent, revision, date_trunc('second', created_at), date_trunc('second', modified_at)`

func scanCalendar(r pgx.Row) (*backend.Calendar, error) {
	var c backend.Calendar
	var kind, comps string
	err := r.Scan(&c.ID, &c.PrincipalID, &c.URI, &kind, &c.DisplayName, &c.Description, &c.Color, &c.Order,
		&c.Timezone, &comps, &c.Transparent, &c.Revision, &c.CreatedAt, &c.ModifiedAt)
	if err != nil {
		return nil, err
	}
	c.Kind = backend.CollectionKind(kind)
	if comps != "" {
		c.Components = strings.Split(comps, ",")
	}
	c.CreatedAt, c.ModifiedAt = c.CreatedAt.UTC(), c.ModifiedAt.UTC()
	return &c, nil
}

// ProvisionHome implements backend.Store.
func (s *Store) ProvisionHome(ctx context.Context, principalID int64, collections []*backend.Calendar) (bool, error) {
	created := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var done bool
		// FOR UPDATE: two first requests of a new user at once provision once.
		err := tx.QueryRow(ctx, `SELECT home_provisioned FROM principals WHERE id = $1 FOR UPDATE`, principalID).Scan(&done)
		if err != nil {
			return fmt.Errorf("postgres: provision home: %w", notFound(err))
		}
		created, err = backend.ProvisionHomeOnce(principalID, done, collections, func(c *backend.Calendar) error {
			return insertCalendar(ctx, tx, c)
		})
		if err != nil || !created {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE principals SET home_provisioned = true WHERE id = $1`, principalID)
		return err
	})
	return created, err
}

// CreateCalendar implements backend.Store.
func (s *Store) CreateCalendar(ctx context.Context, c *backend.Calendar, props []backend.Property) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := insertCalendar(ctx, tx, c); err != nil {
			return err
		}
		return patchProperties(ctx, tx, c.ID, "", props, nil)
	})
}

func insertCalendar(ctx context.Context, tx pgx.Tx, c *backend.Calendar) error {
	// A savepoint keeps the surrounding transaction usable after a
	// duplicate, which ProvisionHome tolerates.
	sp, err := tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: create collection: %w", err)
	}
	// The home row first, as every write locks it (homes.go).
	if err := logHomeChange(ctx, sp, c.PrincipalID, c.URI, false); err != nil {
		sp.Rollback(ctx)
		return err
	}
	err = sp.QueryRow(ctx, `INSERT INTO calendars (principal_id, uri, kind, display_name, description, color, sort_order,
		timezone, components, transparent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id, date_trunc('second', created_at), date_trunc('second', modified_at)`,
		c.PrincipalID, c.URI, string(c.Kind), c.DisplayName, c.Description, c.Color, c.Order, c.Timezone,
		strings.Join(c.Components, ","), c.Transparent).Scan(&c.ID, &c.CreatedAt, &c.ModifiedAt)
	if _, ok := uniqueViolation(err); ok {
		sp.Rollback(ctx)
		return fmt.Errorf("postgres: collection %q: %w", c.URI, backend.ErrExists)
	}
	if err != nil {
		sp.Rollback(ctx)
		return fmt.Errorf("postgres: create collection: %w", notFound(err))
	}
	c.Revision = 0
	c.CreatedAt, c.ModifiedAt = c.CreatedAt.UTC(), c.ModifiedAt.UTC()
	return sp.Commit(ctx)
}

// Calendar implements backend.Store.
func (s *Store) Calendar(ctx context.Context, principalID int64, uri string) (*backend.Calendar, error) {
	return getCalendar(ctx, s.pool, principalID, uri)
}

func getCalendar(ctx context.Context, q querier, principalID int64, uri string) (*backend.Calendar, error) {
	c, err := scanCalendar(q.QueryRow(ctx, `SELECT `+calendarColumns+` FROM calendars WHERE principal_id = $1 AND uri = $2`,
		principalID, uri))
	if err != nil {
		return nil, fmt.Errorf("postgres: calendar: %w", notFound(err))
	}
	return c, nil
}

// ListCalendars implements backend.Store.
func (s *Store) ListCalendars(ctx context.Context, principalID int64) ([]*backend.Calendar, error) {
	return listCalendars(ctx, s.pool, principalID)
}

func listCalendars(ctx context.Context, q querier, principalID int64) ([]*backend.Calendar, error) {
	rows, err := q.Query(ctx, `SELECT `+calendarColumns+` FROM calendars WHERE principal_id = $1 ORDER BY uri`, principalID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list calendars: %w", err)
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
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = updateCalendar(ctx, tx, id, u)
		return err
	})
	return out, err
}

// updateCalendar applies u to collection id within tx.
func updateCalendar(ctx context.Context, tx pgx.Tx, id int64, u *backend.CalendarUpdate) (*backend.Calendar, error) {
	// The home's sync-token and getctag change with the collection's
	// properties (RFC 6578 §3.3: a changed member collection is
	// reported); its row is locked before the collection's (homes.go).
	if err := logCollectionChange(ctx, tx, id, false); err != nil {
		return nil, fmt.Errorf("postgres: update calendar: %w", err)
	}
	c, err := scanCalendar(tx.QueryRow(ctx, `SELECT `+calendarColumns+` FROM calendars WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return nil, fmt.Errorf("postgres: update calendar: %w", notFound(err))
	}
	c.Apply(u)
	err = tx.QueryRow(ctx, `UPDATE calendars SET display_name = $1, description = $2, color = $3, sort_order = $4,
		timezone = $5, components = $6, transparent = $7, modified_at = now() WHERE id = $8
		RETURNING date_trunc('second', modified_at)`,
		c.DisplayName, c.Description, c.Color, c.Order, c.Timezone, strings.Join(c.Components, ","), c.Transparent, id).
		Scan(&c.ModifiedAt)
	if err != nil {
		return nil, fmt.Errorf("postgres: update calendar: %w", err)
	}
	c.ModifiedAt = c.ModifiedAt.UTC()
	if err := patchProperties(ctx, tx, id, "", u.Set, u.Remove); err != nil {
		return nil, err
	}
	return c, nil
}

// patchProperties writes dead properties of a collection (objectURI "")
// or a member, within the bounds of backend.CheckPropertySet and
// backend.CheckPropertyUsage; the caller's transaction rolls back on error.
// Concurrent writes in one home may each see the other's bytes missing:
// the home bound may be passed by what they write at once, no more.
func patchProperties(ctx context.Context, tx pgx.Tx, calID int64, objectURI string, set []backend.Property, remove []xml.Name) error {
	if len(set) == 0 && len(remove) == 0 {
		return nil
	}
	if err := backend.CheckPropertySet(set); err != nil {
		return err
	}
	for _, p := range set {
		_, err := tx.Exec(ctx, `INSERT INTO properties (calendar_id, object_uri, namespace, name, value) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (calendar_id, object_uri, namespace, name) DO UPDATE SET value = excluded.value`,
			calID, objectURI, p.Name.Space, p.Name.Local, p.XML)
		if err != nil {
			return fmt.Errorf("postgres: set property: %w", err)
		}
	}
	for _, n := range remove {
		_, err := tx.Exec(ctx, `DELETE FROM properties WHERE calendar_id = $1 AND object_uri = $2 AND namespace = $3 AND name = $4`,
			calID, objectURI, n.Space, n.Local)
		if err != nil {
			return fmt.Errorf("postgres: remove property: %w", err)
		}
	}
	var u backend.PropertyUsage
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM properties WHERE calendar_id = $1 AND object_uri = $2 AND `+clientProperties, calID, objectURI).Scan(&u.Count)
	if err != nil {
		return fmt.Errorf("postgres: property usage: %w", err)
	}
	if len(set) > 0 {
		if u.HomeBytes, err = homePropertyBytes(ctx, tx, `(SELECT principal_id FROM calendars WHERE id = $1)`, calID); err != nil {
			return err
		}
	}
	return backend.CheckPropertyUsage(u)
}

// homePropertyBytes sums the dead properties of the principal that the
// SQL expression principal (with its argument $1) names: its home's and
// those of its collections and their members.
func homePropertyBytes(ctx context.Context, tx pgx.Tx, principal string, arg any) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `WITH p AS (SELECT `+principal+` AS id)
		SELECT COALESCE((SELECT SUM(octet_length(value)) FROM properties WHERE `+clientProperties+` AND calendar_id IN
			(SELECT c.id FROM calendars c, p WHERE c.principal_id = p.id)), 0)
		+ COALESCE((SELECT SUM(octet_length(value)) FROM home_properties, p WHERE principal_id = p.id), 0)`, arg).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: property usage: %w", err)
	}
	return n, nil
}

// HomeProperties implements backend.Store.
func (s *Store) HomeProperties(ctx context.Context, principalID int64) ([]backend.Property, error) {
	rows, err := s.pool.Query(ctx, `SELECT namespace, name, value FROM home_properties WHERE principal_id = $1
		ORDER BY namespace, name`, principalID)
	if err != nil {
		return nil, fmt.Errorf("postgres: home properties: %w", err)
	}
	return scanProperties(rows)
}

// PatchHomeProperties implements backend.Store.
func (s *Store) PatchHomeProperties(ctx context.Context, principalID int64, set []backend.Property, remove []xml.Name) error {
	if err := backend.CheckPropertySet(set); err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM principals WHERE id = $1`, principalID).Scan(&one); err != nil {
			return fmt.Errorf("postgres: home properties: %w", notFound(err))
		}
		for _, p := range set {
			_, err := tx.Exec(ctx, `INSERT INTO home_properties (principal_id, namespace, name, value) VALUES ($1, $2, $3, $4)
				ON CONFLICT (principal_id, namespace, name) DO UPDATE SET value = excluded.value`,
				principalID, p.Name.Space, p.Name.Local, p.XML)
			if err != nil {
				return fmt.Errorf("postgres: set home property: %w", err)
			}
		}
		for _, n := range remove {
			_, err := tx.Exec(ctx, `DELETE FROM home_properties WHERE principal_id = $1 AND namespace = $2 AND name = $3`,
				principalID, n.Space, n.Local)
			if err != nil {
				return fmt.Errorf("postgres: remove home property: %w", err)
			}
		}
		var u backend.PropertyUsage
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM home_properties WHERE principal_id = $1`, principalID).Scan(&u.Count)
		if err != nil {
			return fmt.Errorf("postgres: property usage: %w", err)
		}
		if u.HomeBytes, err = homePropertyBytes(ctx, tx, "$1::bigint", principalID); err != nil {
			return err
		}
		return backend.CheckPropertyUsage(u)
	})
}

// DeleteCalendar implements backend.Store.
func (s *Store) DeleteCalendar(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := logCollectionChange(ctx, tx, id, true); err != nil {
			return err
		}
		return execOne(ctx, tx, `DELETE FROM calendars WHERE id = $1`, id)
	})
}

// Properties implements backend.Store.
func (s *Store) Properties(ctx context.Context, calID int64, objectURI string) ([]backend.Property, error) {
	rows, err := s.pool.Query(ctx, `SELECT namespace, name, value FROM properties WHERE calendar_id = $1 AND object_uri = $2
		ORDER BY namespace, name`, calID, objectURI)
	if err != nil {
		return nil, fmt.Errorf("postgres: properties: %w", err)
	}
	return scanProperties(rows)
}

// scanProperties reads rows of (namespace, name, value) and closes them.
func scanProperties(rows pgx.Rows) ([]backend.Property, error) {
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
	return s.tx(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM objects WHERE calendar_id = $1 AND uri = $2 FOR UPDATE`, calID, objectURI).Scan(&one)
		if err != nil {
			return fmt.Errorf("postgres: object properties: %w", notFound(err))
		}
		return patchProperties(ctx, tx, calID, objectURI, set, remove)
	})
}

// Usage implements backend.Store.
func (s *Store) Usage(ctx context.Context, calID int64) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(SUM(size), 0)::bigint FROM objects WHERE calendar_id = $1`, calID).Scan(&n)
	return n, err
}

// clientProperties is the condition on the properties table that keeps
// the clients' dead properties and leaves out the server's own
// (backend.IsServerProperty), which the bounds do not count.
const clientProperties = "NOT (namespace = '" + backend.ServerNamespace + "' AND name LIKE '" + backend.ServerPropertyPrefix + "%')"
