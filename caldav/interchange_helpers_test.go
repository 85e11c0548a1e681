package caldav

import (
	"context"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
)

// handler returns the Handler behind a test server.
func (ts *testServer) handler() *Handler { return ts.srv.Config.Handler.(*Handler) }

// calendarOf returns one of user's collections (the home is provisioned
// by a first request).
func (ts *testServer) calendarOf(user, uri string) *backend.Calendar {
	ts.t.Helper()
	ts.must(207, user, "PROPFIND", "/dav/calendars/users/"+user+"/", "", "Depth", "0")
	c, err := ts.store.Calendar(context.Background(), ts.users[user].ID, uri)
	if err != nil {
		ts.t.Fatalf("calendar %s/%s: %v", user, uri, err)
	}
	return c
}

// mkcalendar creates a calendar accepting events and tasks.
func (ts *testServer) mkcalendar(user, uri string) *backend.Calendar {
	ts.t.Helper()
	ts.must(201, user, "MKCALENDAR", "/dav/calendars/users/"+user+"/"+uri+"/", "")
	return ts.calendarOf(user, uri)
}

// svc returns the application layer behind a test server.
func (ts *testServer) svc() *calendar.Service { return ts.handler().svc }
