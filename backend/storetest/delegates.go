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
