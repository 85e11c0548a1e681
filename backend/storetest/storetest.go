// Package storetest is the one behavioural suite that every backend.Store
// must pass. A store's own test calls Run with a function opening a fresh,
// empty, migrated store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kalends/kalends/backend"
)

// Opener returns a fresh, empty, migrated store; the suite closes it.
type Opener func(t *testing.T) backend.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s backend.Store)
	}{
		{"Principals", testPrincipals},
		{"PrincipalConflicts", testPrincipalConflicts},
		{"Credentials", testCredentials},
		{"DeletePrincipalCascades", testDeletePrincipalCascades},
		{"ProvisionHome", testProvisionHome},
		{"Calendars", testCalendars},
		{"UpdateCalendar", testUpdateCalendar},
		{"Objects", testObjects},
		{"ObjectPreconditions", testObjectPreconditions},
		{"UIDConflict", testUIDConflict},
		{"ObjectProperties", testObjectProperties},
		{"HomeProperties", testHomeProperties},
		{"PropertyLimits", testPropertyLimits},
		{"ResourceNames", testResourceNames},
		{"DeleteModifiesCalendar", testDeleteModifiesCalendar},
		{"Move", testMove},
		{"ChangeLog", testChangeLog},
		{"ChangeLimit", testChangeLimit},
		{"HomeChangeLog", testHomeChangeLog},
		{"HomeChangeWrites", testHomeChangeWrites},
		{"HomeChangeLimit", testHomeChangeLimit},
		{"Instances", testInstances},
		{"UnindexedFrom", testUnindexedFrom},
		{"PutObjects", testPutObjects},
		{"CalendarsOf", testCalendarsOf},
		{"FreeBusy", testFreeBusy},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ConcurrentIfMatch", testConcurrentIfMatch},
		{"ConcurrentCreates", testConcurrentCreates},
		{"Update", testUpdate},
		{"RoomLock", testRoomLock},
		{"Delegates", testDelegates},
		{"Wrapper", testWrapper},
		{"PreconditionLadder", testPreconditionLadder},
		{"MoveLadder", testMoveLadder},
		{"TxReindex", testTxReindex},
		{"StoreObjectsRole", testStoreObjectsRole},
		{"DelegationRules", testDelegationRules},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// mustUser creates a user principal with one address.
func mustUser(t *testing.T, s backend.Store, name string) *backend.Principal {
	t.Helper()
	p := &backend.Principal{Kind: backend.KindUser, Name: name, DisplayName: "User " + name,
		Emails: []string{name + "@example.com"}}
	if err := s.CreatePrincipal(ctx(t), p, ""); err != nil {
		t.Fatalf("CreatePrincipal(%s): %v", name, err)
	}
	return p
}

// mustCalendar creates a VEVENT calendar in p's home.
func mustCalendar(t *testing.T, s backend.Store, p *backend.Principal, uri string) *backend.Calendar {
	t.Helper()
	c := &backend.Calendar{PrincipalID: p.ID, URI: uri, Kind: backend.CollectionCalendar,
		DisplayName: "Calendar " + uri, Components: []string{"VEVENT"}}
	if err := s.CreateCalendar(ctx(t), c, nil); err != nil {
		t.Fatalf("CreateCalendar(%s): %v", uri, err)
	}
	return c
}

// event builds an object whose text is a minimal VEVENT; summary varies
// the content (and so the ETag) without changing the UID.
func event(uri, uid, summary string, start time.Time) *backend.Object {
	start = start.UTC().Truncate(time.Second)
	end := start.Add(time.Hour)
	data := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kalends//storetest//EN\r\n"+
		"BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\n"+
		"END:VEVENT\r\nEND:VCALENDAR\r\n", uid, start.Format("20060102T150405Z"), end.Format("20060102T150405Z"), summary)
	return &backend.Object{
		URI: uri, UID: uid, Component: "VEVENT", Data: []byte(data),
		Index:     backend.ObjectIndex{Start: start, End: end, FirstStart: start, LastEnd: end, Status: "CONFIRMED"},
		Instances: []backend.Instance{{Start: start, End: end, BusyType: "BUSY", Status: "CONFIRMED"}},
	}
}

func put(t *testing.T, s backend.Store, calID int64, o *backend.Object) *backend.PutObjectResult {
	t.Helper()
	res, err := s.PutObject(ctx(t), &backend.PutObjectRequest{CalendarID: calID, Object: o})
	if err != nil {
		t.Fatalf("PutObject(%s): %v", o.URI, err)
	}
	return res
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
