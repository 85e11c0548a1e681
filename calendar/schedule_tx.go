package calendar

import (
	"slices"

	"github.com/kalends/kalends/backend"
)

// What a scheduling write reads and writes inside its transaction is
// gathered: the collections of every local calendar user involved and
// their copies of the meeting are read in two queries when the
// transaction starts (begin), and the copies and inbox messages made
// meanwhile are written together at its end (flush, TxStore.PutObjects).
// An invitation of ten people and a room thus costs a handful of round
// trips, not a dozen per recipient, and holds the recipients' collection
// rows (their revision counters, which order sync) only from its last
// batch of statements to its commit.

// writeKey names one resource written by the transaction.
type writeKey struct {
	cal int64
	uri string
}

// txState is the scheduler's view of its transaction.
type txState struct {
	uid     string                        // the UID the copies were read for
	cals    map[int64][]*backend.Calendar // principal id → its collections
	copies  map[int64][]*backend.Object   // principal id → its objects of uid (calendars, not inboxes), written ones included
	writes  []*backend.PutObjectRequest   // not yet sent
	pending map[writeKey]int              // index in writes
}

// begin starts the work of one transaction (run again when the store
// retries it): it reads the collections of the actor and every local
// principal met so far, and their objects of uid.
func (s *scheduler) begin(tx backend.TxStore, uid string) error {
	s.tx = tx
	s.st = txState{uid: uid, cals: map[int64][]*backend.Calendar{}, copies: map[int64][]*backend.Object{},
		pending: map[writeKey]int{}}
	ids := []int64{s.actor.ID}
	for _, p := range s.dir {
		if p != nil && !slices.Contains(ids, p.ID) {
			ids = append(ids, p.ID)
		}
	}
	cals, err := tx.CalendarsOf(s.ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		s.st.cals[id] = []*backend.Calendar{}
		if uid != "" {
			s.st.copies[id] = nil
		}
	}
	owner := map[int64]int64{} // calendar id → principal id
	for _, c := range cals {
		s.st.cals[c.PrincipalID] = append(s.st.cals[c.PrincipalID], c)
		owner[c.ID] = c.PrincipalID
	}
	if uid == "" {
		return nil
	}
	objs, err := tx.ObjectsByUIDOf(s.ctx, ids, uid)
	if err != nil {
		return err
	}
	for _, o := range objs {
		p := owner[o.CalendarID]
		s.st.copies[p] = append(s.st.copies[p], o)
	}
	return nil
}

// calendarsOf returns p's collections as the transaction sees them.
func (s *scheduler) calendarsOf(p *backend.Principal) ([]*backend.Calendar, error) {
	if cals, ok := s.st.cals[p.ID]; ok {
		return cals, nil
	}
	cals, err := s.tx.CalendarsOf(s.ctx, []int64{p.ID})
	if err != nil {
		return nil, err
	}
	s.st.cals[p.ID] = cals
	return cals, nil
}

// objectsByUID returns p's objects of uid in its calendars, ordered by
// collection, the writes of the transaction included.
func (s *scheduler) objectsByUID(p *backend.Principal, uid string) ([]*backend.Object, error) {
	if objs, ok := s.st.copies[p.ID]; ok && uid == s.st.uid {
		return objs, nil
	}
	objs, err := s.tx.ObjectsByUID(s.ctx, p.ID, uid)
	if err != nil {
		return nil, err
	}
	if uid == s.st.uid {
		s.st.copies[p.ID] = objs
	}
	return objs, nil
}

// write queues obj for collection c of p; a later write of the same
// resource in the transaction replaces it. Copies (in calendars, not
// inboxes) are what later reads of p's objects of the UID see.
func (s *scheduler) write(p *backend.Principal, c *backend.Calendar, obj *backend.Object) {
	obj.CalendarID = c.ID
	req := &backend.PutObjectRequest{CalendarID: c.ID, Object: obj}
	k := writeKey{c.ID, obj.URI}
	if i, ok := s.st.pending[k]; ok {
		s.st.writes[i] = req
	} else {
		s.st.pending[k] = len(s.st.writes)
		s.st.writes = append(s.st.writes, req)
	}
	if c.Kind != backend.CollectionCalendar || obj.UID != s.st.uid {
		return
	}
	if _, read := s.st.copies[p.ID]; !read {
		return // read from the store when asked, writes included
	}
	objs := s.forget(p, c.ID, obj.URI)
	s.st.copies[p.ID] = append([]*backend.Object{obj}, objs...)
}

// forget drops the resource uri of collection calID from p's objects of
// the UID and returns the rest.
func (s *scheduler) forget(p *backend.Principal, calID int64, uri string) []*backend.Object {
	objs := slices.DeleteFunc(slices.Clone(s.st.copies[p.ID]), func(o *backend.Object) bool {
		return o.CalendarID == calID && o.URI == uri
	})
	if _, read := s.st.copies[p.ID]; read {
		s.st.copies[p.ID] = objs
	}
	return objs
}

// flush sends the queued writes, then last the given requests (the
// actor's own object), in one TxStore.PutObjects, and returns the
// results of the last ones.
func (s *scheduler) flush(last ...*backend.PutObjectRequest) ([]*backend.PutObjectResult, error) {
	reqs := append(s.st.writes, last...)
	s.st.writes, s.st.pending = nil, map[writeKey]int{}
	if len(reqs) == 0 {
		return nil, nil
	}
	res, err := s.tx.PutObjects(s.ctx, reqs)
	if err != nil {
		return nil, err
	}
	return res[len(res)-len(last):], nil
}
