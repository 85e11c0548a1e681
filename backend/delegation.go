package backend

import "errors"

// Delegation lets one principal act for another, as Apple's calendar-proxy
// groups do (calendarserver.org caldav-proxy): the delegate reads the
// principal's calendars and, with Write, also changes them and answers
// its invitations. A room with the manual booking policy is answered by
// its write delegates.
type Delegation struct {
	PrincipalID int64 // who is acted for
	DelegateID  int64 // who acts
	Write       bool  // read-write (calendar-proxy-write), else read-only
}

// ErrSelfDelegation: a principal cannot be its own delegate.
var ErrSelfDelegation = errors.New("backend: a principal cannot be its own delegate")
