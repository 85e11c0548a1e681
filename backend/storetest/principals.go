package storetest

import (
	"reflect"
	"testing"

	"github.com/kalends/kalends/backend"
)

func testPrincipals(t *testing.T, s backend.Store) {
	alice := &backend.Principal{Kind: backend.KindUser, Name: "alice", DisplayName: "Alice Liddell",
		Emails: []string{"alice@example.com", "a.liddell@example.org"}, Admin: true}
	if err := s.CreatePrincipal(ctx(t), alice, ""); err != nil {
		t.Fatal(err)
	}
	if alice.ID == 0 || alice.CreatedAt.IsZero() {
		t.Fatalf("CreatePrincipal did not set ID/CreatedAt: %+v", alice)
	}
	room := &backend.Principal{Kind: backend.KindRoom, Name: "room-101", DisplayName: "Room 101",
		Emails: []string{"room101@example.com"}, Capacity: 8, Location: "1st floor"}
	if err := s.CreatePrincipal(ctx(t), room, ""); err != nil {
		t.Fatal(err)
	}
	// A user and a room may share a name: they live under different URLs.
	if err := s.CreatePrincipal(ctx(t), &backend.Principal{Kind: backend.KindRoom, Name: "alice"}, ""); err != nil {
		t.Fatalf("room named like a user: %v", err)
	}

	got, err := s.Principal(ctx(t), backend.KindUser, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != alice.ID || got.DisplayName != "Alice Liddell" || !got.Admin ||
		!reflect.DeepEqual(got.Emails, alice.Emails) {
		t.Fatalf("Principal = %+v, want %+v", got, alice)
	}
	byID, err := s.PrincipalByID(ctx(t), room.ID)
	if err != nil || byID.Name != "room-101" || byID.Capacity != 8 || byID.Location != "1st floor" || byID.Kind != backend.KindRoom {
		t.Fatalf("PrincipalByID = %+v, %v", byID, err)
	}
	for _, addr := range []string{"A.Liddell@Example.org", "mailto:alice@example.com"} {
		p, err := s.PrincipalByEmail(ctx(t), addr)
		if err != nil || p.ID != alice.ID {
			t.Fatalf("PrincipalByEmail(%q) = %+v, %v", addr, p, err)
		}
	}
	_, err = s.PrincipalByEmail(ctx(t), "nobody@example.com")
	wantErr(t, "PrincipalByEmail(unknown)", err, backend.ErrNotFound)
	// Several addresses at once: both of alice's name her once; unknown
	// addresses are left out.
	several, err := s.PrincipalsByEmail(ctx(t), []string{"mailto:Room101@example.com", "A.Liddell@Example.org",
		"alice@example.com", "nobody@example.com"})
	if err != nil || len(several) != 2 {
		t.Fatalf("PrincipalsByEmail = %+v, %v; want alice and the room", several, err)
	}
	byName := map[string]*backend.Principal{}
	for _, p := range several {
		byName[p.Name] = p
	}
	if a, r := byName["alice"], byName["room-101"]; a == nil || r == nil || a.ID != alice.ID || !reflect.DeepEqual(a.Emails, alice.Emails) ||
		r.Kind != backend.KindRoom || r.Capacity != 8 {
		t.Fatalf("PrincipalsByEmail = %+v", byName)
	}
	if none, err := s.PrincipalsByEmail(ctx(t), []string{"nobody@example.com"}); err != nil || len(none) != 0 {
		t.Fatalf("PrincipalsByEmail(unknown) = %+v, %v", none, err)
	}
	if none, err := s.PrincipalsByEmail(ctx(t), nil); err != nil || len(none) != 0 {
		t.Fatalf("PrincipalsByEmail(none) = %+v, %v", none, err)
	}
	_, err = s.Principal(ctx(t), backend.KindUser, "bob")
	wantErr(t, "Principal(unknown)", err, backend.ErrNotFound)
	_, err = s.PrincipalByID(ctx(t), 1<<40)
	wantErr(t, "PrincipalByID(unknown)", err, backend.ErrNotFound)

	users, err := s.ListPrincipals(ctx(t), backend.KindUser)
	if err != nil || len(users) != 1 || users[0].Name != "alice" {
		t.Fatalf("ListPrincipals(user) = %v, %v", users, err)
	}
	all, err := s.ListPrincipals(ctx(t), "")
	if err != nil || len(all) != 3 {
		t.Fatalf("ListPrincipals(all) = %d, %v", len(all), err)
	}

	alice.DisplayName = "Alice"
	alice.Emails = []string{"alice@example.net"}
	alice.Admin = false
	if err := s.UpdatePrincipal(ctx(t), alice); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Principal(ctx(t), backend.KindUser, "alice")
	if got.DisplayName != "Alice" || got.Admin || !reflect.DeepEqual(got.Emails, []string{"alice@example.net"}) {
		t.Fatalf("after UpdatePrincipal: %+v", got)
	}
	// The old addresses are released.
	_, err = s.PrincipalByEmail(ctx(t), "alice@example.com")
	wantErr(t, "old address", err, backend.ErrNotFound)
}

func testPrincipalConflicts(t *testing.T, s backend.Store) {
	alice := mustUser(t, s, "alice")
	err := s.CreatePrincipal(ctx(t), &backend.Principal{Kind: backend.KindUser, Name: "alice",
		Emails: []string{"other@example.com"}}, "")
	wantErr(t, "duplicate name", err, backend.ErrExists)
	// The address of the refused principal must not have been kept.
	_, err = s.PrincipalByEmail(ctx(t), "other@example.com")
	wantErr(t, "address of refused principal", err, backend.ErrNotFound)

	err = s.CreatePrincipal(ctx(t), &backend.Principal{Kind: backend.KindUser, Name: "bob",
		Emails: []string{"bob@example.com", "ALICE@example.com"}}, "")
	wantErr(t, "duplicate address", err, backend.ErrExists)
	_, err = s.Principal(ctx(t), backend.KindUser, "bob")
	wantErr(t, "principal with a taken address", err, backend.ErrNotFound)
	_, err = s.PrincipalByEmail(ctx(t), "bob@example.com")
	wantErr(t, "first address of refused principal", err, backend.ErrNotFound)

	bob := mustUser(t, s, "bob")
	bob.Emails = []string{"bob@example.com", "alice@example.com"}
	err = s.UpdatePrincipal(ctx(t), bob)
	wantErr(t, "update to a taken address", err, backend.ErrExists)
	got, _ := s.PrincipalByEmail(ctx(t), "alice@example.com")
	if got == nil || got.ID != alice.ID {
		t.Fatalf("address moved to bob after a refused update: %+v", got)
	}
	got, _ = s.Principal(ctx(t), backend.KindUser, "bob")
	if len(got.Emails) != 1 {
		t.Fatalf("refused update changed bob's addresses: %v", got.Emails)
	}
	err = s.UpdatePrincipal(ctx(t), &backend.Principal{ID: 1 << 40, Kind: backend.KindUser, Name: "ghost"})
	wantErr(t, "update of unknown principal", err, backend.ErrNotFound)
}

func testCredentials(t *testing.T, s backend.Store) {
	hash, err := backend.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := &backend.Principal{Kind: backend.KindUser, Name: "carol"}
	if err := s.CreatePrincipal(ctx(t), p, hash); err != nil {
		t.Fatal(err)
	}
	id, got, err := s.Credentials(ctx(t), "carol")
	if err != nil || id != p.ID || got != hash {
		t.Fatalf("Credentials = %d, %q, %v", id, got, err)
	}
	if !backend.CheckPassword(got, "correct horse") || backend.CheckPassword(got, "wrong") {
		t.Fatal("stored hash does not verify the password")
	}
	hash2, _ := backend.HashPassword("battery staple")
	if err := s.SetPassword(ctx(t), p.ID, hash2); err != nil {
		t.Fatal(err)
	}
	_, got, _ = s.Credentials(ctx(t), "carol")
	if got != hash2 {
		t.Fatalf("SetPassword not stored")
	}
	_, _, err = s.Credentials(ctx(t), "nobody")
	wantErr(t, "Credentials(unknown)", err, backend.ErrNotFound)
	// Rooms cannot log in, even with the name of a user-less login.
	if err := s.CreatePrincipal(ctx(t), &backend.Principal{Kind: backend.KindRoom, Name: "hall"}, hash); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Credentials(ctx(t), "hall")
	wantErr(t, "Credentials(room)", err, backend.ErrNotFound)
	wantErr(t, "SetPassword(unknown)", s.SetPassword(ctx(t), 1<<40, hash), backend.ErrNotFound)
}

func testDeletePrincipalCascades(t *testing.T, s backend.Store) {
	p := mustUser(t, s, "dave")
	c := mustCalendar(t, s, p, "work")
	put(t, s, c.ID, event("a.ics", "uid-a", "A", t0))
	if err := s.DeletePrincipal(ctx(t), p.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.Principal(ctx(t), backend.KindUser, "dave")
	wantErr(t, "deleted principal", err, backend.ErrNotFound)
	_, err = s.Calendar(ctx(t), p.ID, "work")
	wantErr(t, "calendar of deleted principal", err, backend.ErrNotFound)
	_, err = s.Object(ctx(t), c.ID, "a.ics")
	wantErr(t, "object of deleted principal", err, backend.ErrNotFound)
	_, err = s.PrincipalByEmail(ctx(t), "dave@example.com")
	wantErr(t, "address of deleted principal", err, backend.ErrNotFound)
	wantErr(t, "delete twice", s.DeletePrincipal(ctx(t), p.ID), backend.ErrNotFound)
	// The name and address are free again.
	mustUser(t, s, "dave")
}
