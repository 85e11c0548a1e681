package main

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/internal/testenv"
)

// delegateScenario grants, lists, changes and revokes delegations through
// the command line, checking the store after each step.
func delegateScenario(t *testing.T, dsn string) {
	env := map[string]string{"KALENDS_DATABASE_URL": dsn}
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		code, out, stderr := runCmd(t, "secret-password\n", env, args...)
		if code != want {
			t.Fatalf("kalends %v: exit %d, want %d; stdout %q stderr %q", args, code, want, out, stderr)
		}
		return out, stderr
	}
	run(0, "user", "add", "alice", "--email", "alice@example.com", "--password-stdin")
	run(0, "user", "add", "bob", "--email", "bob@example.com", "--password-stdin")
	run(0, "room", "add", "Board Room", "--email", "board@example.com", "--policy", "manual")
	// A room and a user sharing a name need KIND/NAME.
	run(0, "room", "add", "bob", "--email", "bob-room@example.com")

	out, _ := run(0, "delegate", "add", "board-room", "alice")
	if !strings.Contains(out, "user alice may now act for room board-room") {
		t.Errorf("add: %q", out)
	}
	run(0, "delegate", "add", "rooms/board-room", "users/bob", "--read-only")
	_, stderr := run(1, "delegate", "add", "board-room", "bob")
	if !strings.Contains(stderr, `"bob" names a user and a room: write KIND/NAME`) {
		t.Errorf("ambiguous name: %q", stderr)
	}
	_, stderr = run(1, "delegate", "add", "alice", "alice")
	if !strings.Contains(stderr, "own delegate") {
		t.Errorf("self delegation: %q", stderr)
	}
	_, stderr = run(1, "delegate", "add", "board-room", "nobody")
	if !strings.Contains(stderr, `"nobody"`) {
		t.Errorf("unknown delegate: %q", stderr)
	}
	run(2, "delegate", "add", "board-room")
	run(2, "delegate", "frobnicate")

	s := openTestStore(t, dsn)
	defer s.Close()
	ctx := context.Background()
	room, err := s.Principal(ctx, backend.KindRoom, "board-room")
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := s.Principal(ctx, backend.KindUser, "alice")
	bob, _ := s.Principal(ctx, backend.KindUser, "bob")
	want := []backend.Delegation{
		{PrincipalID: room.ID, DelegateID: alice.ID, Write: true},
		{PrincipalID: room.ID, DelegateID: bob.ID},
	}
	if got, err := s.Delegates(ctx, room.ID); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Delegates = %+v, %v; want %+v", got, err, want)
	}

	out, _ = run(0, "delegate", "list", "board-room")
	if !strings.Contains(out, "delegate  user/alice  read-write") ||
		!strings.Contains(out, "delegate  user/bob    read-only") {
		t.Errorf("list of the room:\n%s", out)
	}
	out, _ = run(0, "delegate", "list", "users/bob")
	if !strings.Contains(out, "acts-for  room/board-room  read-only") {
		t.Errorf("list of bob:\n%s", out)
	}

	run(0, "delegate", "remove", "board-room", "alice")
	_, stderr = run(1, "delegate", "remove", "board-room", "alice")
	if !strings.Contains(stderr, "nothing changed") {
		t.Errorf("second remove: %q", stderr)
	}
	if got, _ := s.Delegates(ctx, room.ID); len(got) != 1 || got[0].DelegateID != bob.ID {
		t.Errorf("after remove, Delegates = %+v", got)
	}
}

func TestDelegateCommands(t *testing.T) {
	delegateScenario(t, testenv.SQLitePath(t))
}

func TestDelegateCommandsPostgres(t *testing.T) {
	delegateScenario(t, testenv.PostgresDB(t))
}
