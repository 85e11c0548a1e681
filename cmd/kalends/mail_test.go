package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/backend/sqlite"
	"github.com/kalends/kalends/internal/testenv"
)

// TestMailCommands: mail list shows the queue (all, or one status), and
// mail retry makes a failed message due again and refuses a sent one.
func TestMailCommands(t *testing.T) {
	db := testenv.SQLitePath(t)
	vars := map[string]string{"KALENDS_DATABASE_URL": db}
	if code, _, stderr := runCmd(t, "alice-password\n", vars, "user", "add", "alice", "--email", "alice@example.com", "--password-stdin"); code != 0 {
		t.Fatal(stderr)
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := s.Principal(ctx, backend.KindUser, "alice")
	err = s.Update(ctx, func(tx backend.TxStore) error {
		for _, r := range []string{"dave", "erin"} {
			if err := tx.QueueMessage(ctx, &backend.OutboundMessage{PrincipalID: alice.ID, Originator: "mailto:alice@example.com",
				Recipient: "mailto:" + r + "@elsewhere.example", Method: "REQUEST", UID: "u-" + r, Data: []byte("BEGIN:VCALENDAR\r\n")}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := s.ClaimMessages(ctx, time.Now(), time.Minute, 2)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	for i, st := range []string{backend.MessageSent, backend.MessageFailed} {
		a := &backend.Attempt{ID: claimed[i].ID, ClaimToken: claimed[i].ClaimToken, At: time.Now(), Status: st}
		if st == backend.MessageFailed {
			a.Error = "smtp rcpt: SMTP error 550: no such user"
		}
		if err := s.FinishAttempt(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	sent, failed := claimed[0].ID, claimed[1].ID

	code, out, stderr := runCmd(t, "", vars, "mail", "list")
	if code != 0 || !strings.Contains(out, "dave@elsewhere.example") || !strings.Contains(out, "erin@elsewhere.example") ||
		!strings.Contains(out, "no such user") {
		t.Fatalf("mail list: %d\n%s%s", code, out, stderr)
	}
	code, out, _ = runCmd(t, "", vars, "mail", "list", "--status", "failed")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !strings.Contains(lines[1], "erin@") ||
		!strings.HasPrefix(lines[1], fmt.Sprint(failed)) {
		t.Fatalf("mail list --status failed: %d\n%s", code, out)
	}
	if code, out, _ := runCmd(t, "", vars, "mail", "retry", fmt.Sprint(failed)); code != 0 || !strings.Contains(out, "next chance") {
		t.Fatalf("mail retry: %d %s", code, out)
	}
	code, out, _ = runCmd(t, "", vars, "mail", "list", "--status", "pending")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !strings.Contains(lines[1], "erin@") ||
		!strings.Contains(lines[1], " now ") {
		t.Fatalf("after retry: %d\n%s", code, out)
	}
	if code, _, stderr := runCmd(t, "", vars, "mail", "retry", fmt.Sprint(sent)); code != 1 || !strings.Contains(stderr, "sent already") {
		t.Fatalf("retry of a sent message: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", vars, "mail", "retry", "999"); code != 1 || !strings.Contains(stderr, "no message 999") {
		t.Fatalf("retry of an unknown message: %d %s", code, stderr)
	}
	for _, args := range [][]string{{"mail"}, {"mail", "resend"}, {"mail", "retry"}, {"mail", "retry", "x"},
		{"mail", "list", "--status", "lost"}, {"mail", "list", "extra"}} {
		if code, _, _ := runCmd(t, "", vars, args...); code != exitUsage {
			t.Errorf("kalends %v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
