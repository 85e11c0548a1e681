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

const principalColumns = `id, kind, name, display_name, admin, capacity, location, booking_policy, max_bookings, created_at`

// CreatePrincipal implements backend.Store.
func (s *Store) CreatePrincipal(ctx context.Context, p *backend.Principal, passwordHash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := time.Now().UTC().Truncate(time.Second)
		err := tx.QueryRowContext(ctx, `INSERT INTO principals (kind, name, display_name, admin, capacity, location, booking_policy, max_bookings,
			password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.Kind, p.Name, p.DisplayName, p.Admin, p.Capacity, p.Location, p.BookingPolicy, p.MaxBookings, passwordHash, now.Unix()).Scan(&p.ID)
		if isUnique(err) {
			return fmt.Errorf("sqlite: principal %s/%s: %w", p.Kind, p.Name, backend.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("sqlite: create principal: %w", err)
		}
		p.CreatedAt = now
		return setEmails(ctx, tx, p)
	})
}

// setEmails replaces the addresses of p.ID with p.Emails, normalized.
func setEmails(ctx context.Context, tx *sql.Tx, p *backend.Principal) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM principal_emails WHERE principal_id = ?`, p.ID); err != nil {
		return fmt.Errorf("sqlite: emails: %w", err)
	}
	for i, e := range p.Emails {
		p.Emails[i] = backend.NormalizeEmail(e)
		_, err := tx.ExecContext(ctx, `INSERT INTO principal_emails (email, principal_id, position) VALUES (?, ?, ?)`,
			p.Emails[i], p.ID, i)
		if isUnique(err) {
			return fmt.Errorf("sqlite: address %s: %w", p.Emails[i], backend.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("sqlite: emails: %w", err)
		}
	}
	return nil
}

func (s *Store) principalWhere(ctx context.Context, where string, args ...any) (*backend.Principal, error) {
	var p backend.Principal
	var created sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT `+principalColumns+` FROM principals WHERE `+where, args...).
		Scan(&p.ID, &p.Kind, &p.Name, &p.DisplayName, &p.Admin, &p.Capacity, &p.Location, &p.BookingPolicy, &p.MaxBookings, &created)
	if err != nil {
		return nil, fmt.Errorf("sqlite: principal: %w", notFound(err))
	}
	p.CreatedAt = fromUnix(created)
	if p.Emails, err = s.emails(ctx, p.ID); err != nil {
		return nil, err
	}
	return &p, nil
}

func (s *Store) emails(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT email FROM principal_emails WHERE principal_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: emails: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Principal implements backend.Store.
func (s *Store) Principal(ctx context.Context, kind backend.PrincipalKind, name string) (*backend.Principal, error) {
	return s.principalWhere(ctx, `kind = ? AND name = ?`, kind, name)
}

// PrincipalByID implements backend.Store.
func (s *Store) PrincipalByID(ctx context.Context, id int64) (*backend.Principal, error) {
	return s.principalWhere(ctx, `id = ?`, id)
}

// PrincipalByEmail implements backend.Store.
func (s *Store) PrincipalByEmail(ctx context.Context, email string) (*backend.Principal, error) {
	return s.principalWhere(ctx, `id = (SELECT principal_id FROM principal_emails WHERE email = ?)`, backend.NormalizeEmail(email))
}

// PrincipalsByEmail implements backend.Store.
func (s *Store) PrincipalsByEmail(ctx context.Context, emails []string) ([]*backend.Principal, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	args := make([]any, len(emails))
	for i, e := range emails {
		args[i] = backend.NormalizeEmail(e)
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(emails)), ", ") + ")"
	return s.principalsWhere(ctx, `id IN (SELECT principal_id FROM principal_emails WHERE email IN `+in+`) ORDER BY id`, args...)
}

// principalsWhere reads the principals matching a condition, with their
// addresses.
func (s *Store) principalsWhere(ctx context.Context, where string, args ...any) ([]*backend.Principal, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+principalColumns+` FROM principals WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: principals: %w", err)
	}
	var out []*backend.Principal
	for rows.Next() {
		var p backend.Principal
		var created sql.NullInt64
		if err := rows.Scan(&p.ID, &p.Kind, &p.Name, &p.DisplayName, &p.Admin, &p.Capacity, &p.Location, &p.BookingPolicy, &p.MaxBookings, &created); err != nil {
			rows.Close()
			return nil, err
		}
		p.CreatedAt = fromUnix(created)
		out = append(out, &p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range out {
		if p.Emails, err = s.emails(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListPrincipals implements backend.Store.
func (s *Store) ListPrincipals(ctx context.Context, kind backend.PrincipalKind) ([]*backend.Principal, error) {
	return s.principalsWhere(ctx, `? = '' OR kind = ? ORDER BY kind, name`, kind, kind)
}

// UpdatePrincipal implements backend.Store.
func (s *Store) UpdatePrincipal(ctx context.Context, p *backend.Principal) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE principals SET display_name = ?, admin = ?, capacity = ?, location = ?, booking_policy = ?,
			max_bookings = ? WHERE id = ?`, p.DisplayName, p.Admin, p.Capacity, p.Location, p.BookingPolicy, p.MaxBookings, p.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update principal: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlite: principal %d: %w", p.ID, backend.ErrNotFound)
		}
		return setEmails(ctx, tx, p)
	})
}

// DeletePrincipal implements backend.Store.
func (s *Store) DeletePrincipal(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, `DELETE FROM principals WHERE id = ?`, id)
	})
}

// SetPassword implements backend.Store.
func (s *Store) SetPassword(ctx context.Context, id int64, passwordHash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, `UPDATE principals SET password_hash = ? WHERE id = ?`, passwordHash, id)
	})
}

// Credentials implements backend.Store.
func (s *Store) Credentials(ctx context.Context, userName string) (int64, string, error) {
	var id int64
	var hash string
	err := s.read.QueryRowContext(ctx, `SELECT id, password_hash FROM principals WHERE kind = 'user' AND name = ?`, userName).
		Scan(&id, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("sqlite: credentials: %w", notFound(err))
	}
	return id, hash, nil
}

// execOne runs a statement that must touch exactly one row.
func execOne(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: %w", errors.Join(backend.ErrNotFound, err))
	}
	return nil
}
