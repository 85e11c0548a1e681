package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

// principalSelect reads a principal with its addresses in one query.
const principalSelect = `SELECT p.id, p.kind, p.name, p.display_name, p.admin, p.capacity, p.location, p.booking_policy,
	p.max_bookings, p.created_at,
	COALESCE((SELECT array_agg(e.email ORDER BY e.position) FROM principal_emails e WHERE e.principal_id = p.id), '{}')
	FROM principals p`

func scanPrincipal(r pgx.Row) (*backend.Principal, error) {
	var p backend.Principal
	var kind string
	err := r.Scan(&p.ID, &kind, &p.Name, &p.DisplayName, &p.Admin, &p.Capacity, &p.Location, &p.BookingPolicy, &p.MaxBookings,
		&p.CreatedAt, &p.Emails)
	p.Kind = backend.PrincipalKind(kind)
	p.CreatedAt = p.CreatedAt.UTC()
	if len(p.Emails) == 0 {
		p.Emails = nil
	}
	return &p, err
}

// CreatePrincipal implements backend.Store.
func (s *Store) CreatePrincipal(ctx context.Context, p *backend.Principal, passwordHash string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO principals (kind, name, display_name, admin, capacity, location, booking_policy, max_bookings,
			password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, date_trunc('second', created_at)`,
			string(p.Kind), p.Name, p.DisplayName, p.Admin, p.Capacity, p.Location, p.BookingPolicy, p.MaxBookings, passwordHash).Scan(&p.ID, &p.CreatedAt)
		if _, ok := uniqueViolation(err); ok {
			return fmt.Errorf("postgres: principal %s/%s: %w", p.Kind, p.Name, backend.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("postgres: create principal: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		return setEmails(ctx, tx, p)
	})
}

// setEmails replaces the addresses of p.ID with p.Emails, normalized.
func setEmails(ctx context.Context, tx pgx.Tx, p *backend.Principal) error {
	if _, err := tx.Exec(ctx, `DELETE FROM principal_emails WHERE principal_id = $1`, p.ID); err != nil {
		return fmt.Errorf("postgres: emails: %w", err)
	}
	for i, e := range p.Emails {
		p.Emails[i] = backend.NormalizeEmail(e)
		_, err := tx.Exec(ctx, `INSERT INTO principal_emails (email, principal_id, position) VALUES ($1, $2, $3)`, p.Emails[i], p.ID, i)
		if _, ok := uniqueViolation(err); ok {
			return fmt.Errorf("postgres: address %s: %w", p.Emails[i], backend.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("postgres: emails: %w", err)
		}
	}
	return nil
}

func (s *Store) principalWhere(ctx context.Context, where string, args ...any) (*backend.Principal, error) {
	p, err := scanPrincipal(s.pool.QueryRow(ctx, principalSelect+` WHERE `+where, args...))
	if err != nil {
		return nil, fmt.Errorf("postgres: principal: %w", notFound(err))
	}
	return p, nil
}

// Principal implements backend.Store.
func (s *Store) Principal(ctx context.Context, kind backend.PrincipalKind, name string) (*backend.Principal, error) {
	return s.principalWhere(ctx, `p.kind = $1 AND p.name = $2`, string(kind), name)
}

// PrincipalByID implements backend.Store.
func (s *Store) PrincipalByID(ctx context.Context, id int64) (*backend.Principal, error) {
	return s.principalWhere(ctx, `p.id = $1`, id)
}

// PrincipalByEmail implements backend.Store.
func (s *Store) PrincipalByEmail(ctx context.Context, email string) (*backend.Principal, error) {
	return s.principalWhere(ctx, `p.id = (SELECT principal_id FROM principal_emails WHERE email = $1)`, backend.NormalizeEmail(email))
}

// PrincipalsByEmail implements backend.Store.
func (s *Store) PrincipalsByEmail(ctx context.Context, emails []string) ([]*backend.Principal, error) {
	norm := make([]string, len(emails))
	for i, e := range emails {
		norm[i] = backend.NormalizeEmail(e)
	}
	rows, err := s.pool.Query(ctx, principalSelect+` WHERE p.id IN (SELECT principal_id FROM principal_emails WHERE email = ANY($1))
		ORDER BY p.id`, norm)
	if err != nil {
		return nil, fmt.Errorf("postgres: principals by address: %w", err)
	}
	defer rows.Close()
	var out []*backend.Principal
	for rows.Next() {
		p, err := scanPrincipal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ListPrincipals implements backend.Store.
func (s *Store) ListPrincipals(ctx context.Context, kind backend.PrincipalKind) ([]*backend.Principal, error) {
	rows, err := s.pool.Query(ctx, principalSelect+` WHERE $1 = '' OR p.kind = $1 ORDER BY p.kind, p.name`, string(kind))
	if err != nil {
		return nil, fmt.Errorf("postgres: list principals: %w", err)
	}
	defer rows.Close()
	var out []*backend.Principal
	for rows.Next() {
		p, err := scanPrincipal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpdatePrincipal implements backend.Store.
func (s *Store) UpdatePrincipal(ctx context.Context, p *backend.Principal) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		err := execOne(ctx, tx, `UPDATE principals SET display_name = $1, admin = $2, capacity = $3, location = $4, booking_policy = $5,
			max_bookings = $6 WHERE id = $7`, p.DisplayName, p.Admin, p.Capacity, p.Location, p.BookingPolicy, p.MaxBookings, p.ID)
		if err != nil {
			return err
		}
		return setEmails(ctx, tx, p)
	})
}

// DeletePrincipal implements backend.Store.
func (s *Store) DeletePrincipal(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return execOne(ctx, tx, `DELETE FROM principals WHERE id = $1`, id) })
}

// SetPassword implements backend.Store.
func (s *Store) SetPassword(ctx context.Context, id int64, passwordHash string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		return execOne(ctx, tx, `UPDATE principals SET password_hash = $1 WHERE id = $2`, passwordHash, id)
	})
}

// Credentials implements backend.Store.
func (s *Store) Credentials(ctx context.Context, userName string) (int64, string, error) {
	var id int64
	var hash string
	err := s.pool.QueryRow(ctx, `SELECT id, password_hash FROM principals WHERE kind = 'user' AND name = $1`, userName).Scan(&id, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("postgres: credentials: %w", notFound(err))
	}
	return id, hash, nil
}
