package caldav

import (
	"net/http"
	"strings"
	"testing"
)

// TestSchedulingCallsDoNotGrowWithRecipients: an invitation costs as many
// store calls (database round trips) with 2 attendees as with 20, and a
// free-busy POST as many about 7 principals as about 25: every recipient
// is read and written in the same few calls, on both stores.
func TestSchedulingCallsDoNotGrowWithRecipients(t *testing.T) {
	for _, st := range benchStores {
		t.Run(st.name, func(t *testing.T) {
			sb := newSchedBench(t, st.open)
			sb.inviteOf(sb.rng, 30) // provisions every attendee's home
			calls := func(f func()) int64 {
				before := sb.store.calls.Load()
				f()
				return sb.store.calls.Load() - before
			}
			few := calls(func() { sb.inviteOf(sb.rng, 2) })
			many := calls(func() { sb.inviteOf(sb.rng, 20) })
			if few != many || few > 15 {
				t.Errorf("an invitation of 2 users and a room made %d store calls, of 20 users %d; want the same, at most 15", few, many)
			}
			post := func(users int) func() {
				return func() {
					out := sb.do(http.MethodPost, "/dav/calendars/users/org/outbox/", freeBusyPost(sb.base, users), http.StatusOK)
					if n := strings.Count(string(out), "2.0;Success"); n != users+5 {
						t.Errorf("%d of %d recipients answered 2.0", n, users+5)
					}
				}
			}
			few, many = calls(post(2)), calls(post(20))
			if few != many || few > 5 {
				t.Errorf("a free-busy POST about 7 principals made %d store calls, about 25 %d; want the same, at most 5", few, many)
			}
		})
	}
}
