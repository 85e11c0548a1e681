package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/pressly/goose/v3"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/postgres"
	"github.com/kalends/kalends/internal/testenv"
	"github.com/kalends/kalends/migrations"
)

// TestMailBodiesMigration: mail queued before migration 00013, one text
// per row, is still there after it, each text moved to its own body.
func TestMailBodiesMigration(t *testing.T) {
	ctx := context.Background()
	url := testenv.PostgresDB(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	fsys, _ := migrations.FS(migrations.Postgres)
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO principals (id, kind, name) VALUES (1, 'user', 'olga')`,
		`INSERT INTO outbound_messages (principal_id, originator, recipient, method, uid, data)
			VALUES (1, 'mailto:olga@example.com', 'mailto:a@elsewhere.example', 'REQUEST', 'u1', 'text one'),
			       (1, 'mailto:olga@example.com', 'mailto:b@elsewhere.example', 'CANCEL', 'u2', 'text two')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msgs, err := s.ListMessages(ctx, "", 0, 0)
	if err != nil || len(msgs) != 2 || string(msgs[0].Data) != "text one" || string(msgs[1].Data) != "text two" ||
		msgs[0].BodyID == msgs[1].BodyID || msgs[1].Recipient != "mailto:b@elsewhere.example" {
		t.Fatalf("messages after the migration: %+v, %v", msgs, err)
	}
	// New texts get new ids, past the ones the migration gave.
	m := &backend.OutboundMessage{PrincipalID: 1, Originator: "mailto:olga@example.com", Method: "REQUEST", UID: "u3", Data: []byte("text three")}
	if err := s.Update(ctx, func(tx backend.TxStore) error { return tx.QueueMail(ctx, m, []string{"mailto:c@elsewhere.example"}) }); err != nil {
		t.Fatal(err)
	}
	if m.BodyID <= msgs[1].BodyID {
		t.Fatalf("a new text got body %d after %d", m.BodyID, msgs[1].BodyID)
	}
}
