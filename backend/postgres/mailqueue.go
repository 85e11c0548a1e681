package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kalends/kalends/backend"
)

var _ backend.MailQueue = (*Store)(nil)

const messageColumns = `id, principal_id, originator, recipient, method, uid, body_id, status, attempts, last_error,
	created_at, next_attempt_at, last_attempt_at, claimed_until, COALESCE(claim_token, '')`

// ClaimMessages implements backend.MailQueue. FOR UPDATE SKIP LOCKED lets
// concurrent claimers (other server processes) pass over the rows one of
// them is claiming instead of waiting for it; the lease (claimed_until)
// keeps the rows away from them after commit.
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*backend.OutboundMessage, error) {
	if err := backend.CheckClaim(limit); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `UPDATE outbound_messages SET claimed_until = $2, claim_token = $3, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbound_messages WHERE status = 'pending'
			AND (next_attempt_at IS NULL OR next_attempt_at <= $1) AND (claimed_until IS NULL OR claimed_until <= $1)
			ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING `+messageColumns, now, now.Add(lease), backend.NewClaimToken(), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim messages: %w", err)
	}
	out, err := scanMessages(rows)
	if err != nil {
		return nil, err
	}
	backend.SortMessages(out)
	return out, loadBodies(ctx, s.pool, out)
}

// FinishAttempt implements backend.MailQueue.
func (s *Store) FinishAttempt(ctx context.Context, a *backend.Attempt, fn func(tx backend.TxStore) error) error {
	return s.txRetry(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE outbound_messages SET status = $1, last_error = $2, last_attempt_at = $3,
			next_attempt_at = $4, claimed_until = NULL, claim_token = NULL
			WHERE id = $5 AND claim_token = $6 AND status = 'pending'`,
			a.Status, a.Error, a.At, ts(a.NextAttemptAt), a.ID, a.ClaimToken)
		if err != nil {
			return fmt.Errorf("postgres: finish attempt: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("postgres: message %d is not under this claim: %w", a.ID, backend.ErrPreconditionFailed)
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
	_, err := s.pool.Exec(ctx, `UPDATE outbound_messages SET claimed_until = NULL, claim_token = NULL, attempts = attempts - 1
		WHERE claim_token = $1 AND status = 'pending' AND id = ANY($2)`, token, ids)
	if err != nil {
		return fmt.Errorf("postgres: release messages: %w", err)
	}
	return nil
}

// ListMessages implements backend.MailQueue.
func (s *Store) ListMessages(ctx context.Context, status string, afterID int64, limit int) ([]*backend.OutboundMessage, error) {
	q := `SELECT ` + messageColumns + ` FROM outbound_messages WHERE id > $1 AND ($2 = '' OR status = $2) ORDER BY id`
	args := []any{afterID, status}
	if limit > 0 {
		q += ` LIMIT $3`
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list messages: %w", err)
	}
	out, err := scanMessages(rows)
	if err != nil {
		return nil, err
	}
	return out, loadBodies(ctx, s.pool, out)
}

// loadBodies reads the shared texts of msgs (backend.SetBodies) in one
// query.
func loadBodies(ctx context.Context, q querier, msgs []*backend.OutboundMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT id, data FROM outbound_bodies WHERE id = ANY($1)`, backend.BodyIDs(msgs))
	if err != nil {
		return fmt.Errorf("postgres: message bodies: %w", err)
	}
	defer rows.Close()
	bodies := map[int64][]byte{}
	for rows.Next() {
		var id int64
		var data string
		if err := rows.Scan(&id, &data); err != nil {
			return fmt.Errorf("postgres: message bodies: %w", err)
		}
		bodies[id] = []byte(data)
	}
	backend.SetBodies(msgs, bodies)
	return rows.Err()
}

// RetryMessage implements backend.MailQueue.
func (s *Store) RetryMessage(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM outbound_messages WHERE id = $1 FOR UPDATE`, id).Scan(&status)
		if err != nil {
			return fmt.Errorf("postgres: retry message %d: %w", id, notFound(err))
		}
		if err := backend.CheckRetry(id, status); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE outbound_messages SET status = 'pending', attempts = 0, next_attempt_at = NULL
			WHERE id = $1`, id)
		return err
	})
}

// scanMessages reads rows of messageColumns and closes them.
func scanMessages(rows pgx.Rows) ([]*backend.OutboundMessage, error) {
	defer rows.Close()
	var out []*backend.OutboundMessage
	for rows.Next() {
		var m backend.OutboundMessage
		var next, last, claimed *time.Time
		if err := rows.Scan(&m.ID, &m.PrincipalID, &m.Originator, &m.Recipient, &m.Method, &m.UID, &m.BodyID, &m.Status,
			&m.Attempts, &m.LastError, &m.CreatedAt, &next, &last, &claimed, &m.ClaimToken); err != nil {
			return nil, fmt.Errorf("postgres: messages: %w", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		m.NextAttemptAt, m.LastAttemptAt, m.ClaimedUntil = fromTS(next), fromTS(last), fromTS(claimed)
		out = append(out, &m)
	}
	return out, rows.Err()
}
