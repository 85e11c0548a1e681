package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kalends/kalends/backend"
)

var _ backend.MailQueue = (*Store)(nil)

const messageColumns = `id, principal_id, originator, recipient, method, uid, body_id, status, attempts, last_error,
	created_at, next_attempt_at, last_attempt_at, claimed_until, COALESCE(claim_token, '')`

// ClaimMessages implements backend.MailQueue. SQLite has one writer, so
// one UPDATE … RETURNING inside the write transaction is the whole claim:
// a concurrent claimer waits for the lock and then sees the lease.
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*backend.OutboundMessage, error) {
	if err := backend.CheckClaim(limit); err != nil {
		return nil, err
	}
	token := backend.NewClaimToken()
	var out []*backend.OutboundMessage
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbound_messages SET claimed_until = ?, claim_token = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbound_messages WHERE status = 'pending'
				AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (claimed_until IS NULL OR claimed_until <= ?)
				ORDER BY id LIMIT ?)
			RETURNING `+messageColumns, now.Add(lease).Unix(), token, now.Unix(), now.Unix(), limit)
		if err != nil {
			return fmt.Errorf("sqlite: claim messages: %w", err)
		}
		if out, err = scanMessages(rows); err != nil {
			return err
		}
		return loadBodies(ctx, tx, out)
	})
	backend.SortMessages(out)
	return out, err
}

// FinishAttempt implements backend.MailQueue.
func (s *Store) FinishAttempt(ctx context.Context, a *backend.Attempt, fn func(tx backend.TxStore) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbound_messages SET status = ?, last_error = ?, last_attempt_at = ?,
			next_attempt_at = ?, claimed_until = NULL, claim_token = NULL
			WHERE id = ? AND claim_token = ? AND status = 'pending'`,
			a.Status, a.Error, a.At.Unix(), unix(a.NextAttemptAt), a.ID, a.ClaimToken)
		if err != nil {
			return fmt.Errorf("sqlite: finish attempt: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("sqlite: message %d is not under this claim: %w", a.ID, backend.ErrPreconditionFailed)
		}
		if fn == nil {
			return nil
		}
		return fn(&txStore{tx: tx})
	})
}

// ReleaseMessages implements backend.MailQueue.
func (s *Store) ReleaseMessages(ctx context.Context, token string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{token}
	for _, id := range ids {
		args = append(args, id)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbound_messages SET claimed_until = NULL, claim_token = NULL,
			attempts = attempts - 1 WHERE claim_token = ? AND status = 'pending' AND id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return fmt.Errorf("sqlite: release messages: %w", err)
		}
		return nil
	})
}

// ListMessages implements backend.MailQueue.
func (s *Store) ListMessages(ctx context.Context, status string, afterID int64, limit int) ([]*backend.OutboundMessage, error) {
	q := `SELECT ` + messageColumns + ` FROM outbound_messages WHERE id > ?`
	args := []any{afterID}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	q += ` ORDER BY id`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list messages: %w", err)
	}
	out, err := scanMessages(rows)
	if err != nil {
		return nil, err
	}
	return out, loadBodies(ctx, s.read, out)
}

// loadBodies reads the shared texts of msgs (backend.SetBodies), in one
// query: the ids go in as one JSON array, whatever their number.
func loadBodies(ctx context.Context, q queryer, msgs []*backend.OutboundMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	ids, err := json.Marshal(backend.BodyIDs(msgs))
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, data FROM outbound_bodies WHERE id IN (SELECT value FROM json_each(?))`, string(ids))
	if err != nil {
		return fmt.Errorf("sqlite: message bodies: %w", err)
	}
	defer rows.Close()
	bodies := map[int64][]byte{}
	for rows.Next() {
		var id int64
		var data string
		if err := rows.Scan(&id, &data); err != nil {
			return fmt.Errorf("sqlite: message bodies: %w", err)
		}
		bodies[id] = []byte(data)
	}
	backend.SetBodies(msgs, bodies)
	return rows.Err()
}

// RetryMessage implements backend.MailQueue.
func (s *Store) RetryMessage(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM outbound_messages WHERE id = ?`, id).Scan(&status)
		if err != nil {
			return fmt.Errorf("sqlite: retry message %d: %w", id, notFound(err))
		}
		if err := backend.CheckRetry(id, status); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbound_messages SET status = 'pending', attempts = 0, next_attempt_at = NULL
			WHERE id = ?`, id)
		return err
	})
}

// scanMessages reads rows of messageColumns and closes them.
func scanMessages(rows *sql.Rows) ([]*backend.OutboundMessage, error) {
	defer rows.Close()
	var out []*backend.OutboundMessage
	for rows.Next() {
		var m backend.OutboundMessage
		var created, next, last, claimed sql.NullInt64
		if err := rows.Scan(&m.ID, &m.PrincipalID, &m.Originator, &m.Recipient, &m.Method, &m.UID, &m.BodyID, &m.Status,
			&m.Attempts, &m.LastError, &created, &next, &last, &claimed, &m.ClaimToken); err != nil {
			return nil, fmt.Errorf("sqlite: messages: %w", err)
		}
		m.CreatedAt, m.NextAttemptAt, m.LastAttemptAt, m.ClaimedUntil = fromUnix(created), fromUnix(next), fromUnix(last), fromUnix(claimed)
		out = append(out, &m)
	}
	return out, rows.Err()
}
