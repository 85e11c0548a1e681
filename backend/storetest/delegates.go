package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/kalends/kalends/backend"
)

// testDelegates: grants are listed from both ends, replaced in place,
// revoked, refused for unknown or identical principals, and go with
// either principal when it is deleted.
func testDelegates(t *testing.T, s backend.Store) {
	c := ctx(t)
	alice, bob, carol := mustUser(t, s, "alice"), mustUser(t, s, "bob"), mustUser(t, s, "carol")
	room := &backend.Principal{Kind: backend.KindRoom, Name: "room-1", Emails: []string{"room1@example.com"}}
	if err := s.CreatePrincipal(c, room, ""); err != nil {
		t.Fatal(err)
	}
	for _, d := range []backend.Delegation{
		{PrincipalID: room.ID, DelegateID: bob.ID, Write: true},
		{PrincipalID: room.ID, DelegateID: alice.ID},
		{PrincipalID: carol.ID, DelegateID: bob.ID},
	} {
		if err := s.SetDelegate(c, d); err != nil {
			t.Fatalf("SetDelegate(%+v): %v", d, err)
		}
	}
	want := []backend.Delegation{
		{PrincipalID: room.ID, DelegateID: alice.ID},
		{PrincipalID: room.ID, DelegateID: bob.ID, Write: true},
	}
	if got, err := s.Delegates(c, room.ID); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Delegates(room) = %+v, %v; want %+v", got, err, want)
	}
	wantBob := []backend.Delegation{
		{PrincipalID: carol.ID, DelegateID: bob.ID},
		{PrincipalID: room.ID, DelegateID: bob.ID, Write: true},
	}
	if room.ID < carol.ID {
		wantBob[0], wantBob[1] = wantBob[1], wantBob[0]
	}
	if got, err := s.DelegatedTo(c, bob.ID); err != nil || !reflect.DeepEqual(got, wantBob) {
		t.Fatalf("DelegatedTo(bob) = %+v, %v; want %+v", got, err, wantBob)
	}

	// A second grant replaces the first.
	if err := s.SetDelegate(c, backend.Delegation{PrincipalID: room.ID, DelegateID: alice.ID, Write: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Delegates(c, room.ID); len(got) != 2 || !got[0].Write {
		t.Fatalf("after upgrade, Delegates(room) = %+v; want alice with write", got)
	}

	if err := s.SetDelegate(c, backend.Delegation{PrincipalID: alice.ID, DelegateID: alice.ID}); !errors.Is(err, backend.ErrSelfDelegation) {
		t.Errorf("self delegation: err = %v, want ErrSelfDelegation", err)
	}
	if err := s.SetDelegate(c, backend.Delegation{PrincipalID: alice.ID, DelegateID: 1 << 40}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("unknown delegate: err = %v, want ErrNotFound", err)
	}
	if got, _ := s.DelegatedTo(c, alice.ID); len(got) != 1 {
		t.Errorf("a refused grant left rows behind: DelegatedTo(alice) = %+v", got)
	}

	if err := s.RemoveDelegate(c, room.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveDelegate(c, room.ID, alice.ID); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("second RemoveDelegate: err = %v, want ErrNotFound", err)
	}

	// Replacing a group's members: carol joins the read-write group,
	// moving out of nothing; bob (read-write) is dropped from it; a
	// refused replacement changes nothing.
	if err := s.SetDelegate(c, backend.Delegation{PrincipalID: room.ID, DelegateID: alice.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceDelegates(c, room.ID, true, []int64{carol.ID, alice.ID}); err != nil {
		t.Fatal(err)
	}
	wantRoom := []backend.Delegation{
		{PrincipalID: room.ID, DelegateID: alice.ID, Write: true},
		{PrincipalID: room.ID, DelegateID: carol.ID, Write: true},
	}
	if got, err := s.Delegates(c, room.ID); err != nil || !reflect.DeepEqual(got, wantRoom) {
		t.Fatalf("after ReplaceDelegates, Delegates(room) = %+v, %v; want %+v", got, err, wantRoom)
	}
	if err := s.ReplaceDelegates(c, room.ID, true, []int64{bob.ID, room.ID}); !errors.Is(err, backend.ErrSelfDelegation) {
		t.Errorf("ReplaceDelegates listing the principal itself: err = %v, want ErrSelfDelegation", err)
	}
	if err := s.ReplaceDelegates(c, room.ID, true, []int64{bob.ID, 1 << 40}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("ReplaceDelegates with an unknown principal: err = %v, want ErrNotFound", err)
	}
	if got, err := s.Delegates(c, room.ID); err != nil || !reflect.DeepEqual(got, wantRoom) {
		t.Fatalf("a refused ReplaceDelegates changed the grants: %+v, %v; want %+v", got, err, wantRoom)
	}
	// Emptying the read-only group leaves the read-write one alone.
	if err := s.ReplaceDelegates(c, room.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Delegates(c, room.ID); !reflect.DeepEqual(got, wantRoom) {
		t.Fatalf("emptying the read-only group changed the read-write one: %+v", got)
	}
	if err := s.ReplaceDelegates(c, room.ID, true, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDelegate(c, backend.Delegation{PrincipalID: room.ID, DelegateID: bob.ID, Write: true}); err != nil {
		t.Fatal(err)
	}

	// Deleting either end removes the grant.
	if err := s.DeletePrincipal(c, bob.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Delegates(c, room.ID); err != nil || len(got) != 0 {
		t.Errorf("after deleting bob, Delegates(room) = %+v, %v; want none", got, err)
	}
	if got, err := s.Delegates(c, carol.ID); err != nil || len(got) != 0 {
		t.Errorf("after deleting bob, Delegates(carol) = %+v, %v; want none", got, err)
	}
}
