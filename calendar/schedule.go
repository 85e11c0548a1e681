package calendar

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/scheduling"
)

// Implicit scheduling (RFC 6638 §3.2, "calendar-auto-schedule"): a PUT or
// DELETE of a scheduling object resource is turned into iTIP messages by
// package scheduling and delivered here, in the same store transaction as
// the write itself (one write is one transaction): the actor's
// object, each local recipient's copy and inbox message, room bookings and
// the mail queued for recipients outside the server commit together.

// hasScheduling reports whether cal is (or was) a scheduling object
// resource: a component with an ORGANIZER or ATTENDEE (RFC 6638 §3.1).
func hasScheduling(cal *goical.Calendar) bool {
	if cal == nil {
		return false
	}
	for _, c := range cal.Children {
		if c.Name != goical.CompEvent && c.Name != goical.CompToDo && c.Name != goical.CompJournal {
			continue // VFREEBUSY, VAVAILABILITY: never scheduled implicitly
		}
		if c.Props.Get("ORGANIZER") != nil || c.Props.Get("ATTENDEE") != nil {
			return true
		}
	}
	return false
}

// calAddresses lists the ORGANIZER and ATTENDEE addresses of cal.
func calAddresses(cal *goical.Calendar) []string {
	var out []string
	if cal == nil {
		return nil
	}
	for _, c := range cal.Children {
		for _, name := range []string{"ORGANIZER", "ATTENDEE"} {
			for _, p := range c.Props[name] {
				out = append(out, p.Value)
			}
		}
	}
	return out
}

// scheduler is one scheduling write in progress: the directory of the
// calendar users involved, resolved before the transaction, and the
// transaction itself once it runs.
type scheduler struct {
	svc   *Service
	ctx   context.Context
	tx    backend.TxStore
	now   time.Time
	dir   map[string]*backend.Principal // normalized address → principal (nil: not on this server)
	actor *backend.Principal
	st    txState // what the transaction read and has yet to write (schedule_tx.go)
	mail  mailed  // the messages queued for mail (mailout.go)
}

// newScheduler resolves every address of the given objects, in one
// query, and provisions the homes of the local ones, outside the
// transaction: ProvisionHome is a write of its own and may not run
// inside Store.Update (SQLite has one writer). Addresses met later are
// looked up inside the transaction.
func (svc *Service) newScheduler(ctx context.Context, actor *backend.Principal, cals ...*goical.Calendar) (*scheduler, error) {
	s := &scheduler{svc: svc, ctx: ctx, now: svc.opts.Now().UTC(), dir: map[string]*backend.Principal{}, actor: actor}
	var addrs []string
	for _, c := range cals {
		addrs = append(addrs, calAddresses(c)...)
	}
	if err := s.resolve(addrs); err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if p := s.dir[backend.NormalizeEmail(a)]; p != nil {
			if err := svc.EnsureHome(ctx, p); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// resolve looks up, together, the addresses not in the directory yet;
// those nobody owns are recorded as outside the server (nil).
func (s *scheduler) resolve(addrs []string) error {
	var ask []string
	for _, a := range addrs {
		key := backend.NormalizeEmail(a)
		if _, ok := s.dir[key]; ok {
			continue
		}
		s.dir[key] = nil
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(a)), "mailto:") && key != "" {
			ask = append(ask, key)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	ps, err := s.svc.store.PrincipalsByEmail(s.ctx, ask)
	if err != nil {
		return err
	}
	for _, p := range ps {
		for _, e := range p.Emails {
			if _, asked := s.dir[e]; asked {
				s.dir[e] = p
			}
		}
	}
	return nil
}

// lookup returns the local principal owning a calendar user address, nil
// when there is none. Only mailto: addresses are known; an unknown user
// at a local domain is treated as external (no domain configuration yet).
// Principals are read outside the transaction, which is safe: they are
// not written by scheduling.
func (s *scheduler) lookup(addr string) (*backend.Principal, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err // the request ended: no more deliveries
	}
	key := backend.NormalizeEmail(addr)
	if p, ok := s.dir[key]; ok {
		return p, nil
	}
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(addr)), "mailto:") || key == "" {
		s.dir[key] = nil
		return nil, nil
	}
	p, err := s.svc.store.PrincipalByEmail(s.ctx, key)
	if errors.Is(err, backend.ErrNotFound) {
		p, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.dir[key] = p
	return p, nil
}

// principalAddrs returns the mailto: addresses of p, preferred first
// (its calendar-user-address-set, RFC 6638 §2.4.1).
func principalAddrs(p *backend.Principal) (string, []string) {
	var all []string
	for _, e := range p.Emails {
		all = append(all, "mailto:"+e)
	}
	if len(all) == 0 {
		return "", nil
	}
	return all[0], all[1:]
}

// processAs runs scheduling.Process for principal p.
func (s *scheduler) processAs(p *backend.Principal, old, new *goical.Calendar, noReply bool) (*scheduling.Result, error) {
	me, more := principalAddrs(p)
	return scheduling.Process(old, new, me, scheduling.Options{Now: s.now, Addresses: more, NoReply: noReply})
}

// newScheduleTag returns a fresh opaque Schedule-Tag (RFC 6638 §3.2.10),
// quoted like an entity tag. It is random rather than derived from the
// data: the tag must change on every organizer or attendee change even
// when the bytes come out the same.
func newScheduleTag() string {
	var b [12]byte
	rand.Read(b[:])
	return `"` + base64.RawURLEncoding.EncodeToString(b[:]) + `"`
}

// scheduleTagOf is the Schedule-Tag of an object written by its organizer
// or attendee: a new one, since every such write is a change of the
// object (RFC 6638 §3.2.10); none when the write leaves no ORGANIZER, the
// object being no scheduling object resource any more (§3.1), so that
// neither the header nor the property outlives it.
func scheduleTagOf(cal *goical.Calendar) string {
	for _, c := range cal.Children {
		if c.Name != "VTIMEZONE" && c.Props.Get("ORGANIZER") != nil {
			return newScheduleTag()
		}
	}
	return ""
}

// parseStored parses a stored object's text; nil for a missing object.
func parseStored(o *backend.Object) (*goical.Calendar, error) {
	if o == nil {
		return nil, nil
	}
	return ical.Parse(o.Data)
}

// uniqueSchedulingObject enforces RFC 6638 §3.2.4.1: a calendar user has
// at most one scheduling object resource per UID across all calendars.
// The store checks only one collection (no-uid-conflict), so the other
// calendars of the owner are checked here, inside the transaction.
func (s *scheduler) uniqueSchedulingObject(owner *backend.Principal, calID int64, uid string) error {
	objs, err := s.objectsByUID(owner, uid)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o.CalendarID == calID || o.Index.Organizer == "" {
			continue
		}
		c, err := s.calendarOf(owner, o.CalendarID)
		if err != nil {
			return err
		}
		return &Error{Code: NotUniqueSchedulingObject, Where: &Location{Owner: owner, Calendar: c, URI: o.URI},
			Reason: "UID " + uid + " is already a scheduling object in calendar " + c.URI}
	}
	return nil
}

// forgedOrganizer refuses an object organized by another local user
// that the actor is not invited to (RFC 6638 §3.2.4.3) when it is a
// meeting in that user's name with attendees to notify that the user
// never made: only the organizer may write their meeting. A plain copy of
// a meeting that user does organize (same UID), or an object naming no
// other attendee, is no scheduling object resource for the actor (§3.1)
// and is stored as it is, without scheduling, as are objects organized by
// someone outside the server (imports, copies of old mail).
func (s *scheduler) forgedOrganizer(cal *goical.Calendar) error {
	org := organizerProp(cal)
	if org == nil {
		return nil
	}
	owner, err := s.lookup(org.Value)
	if err != nil || owner == nil || owner.ID == s.actor.ID || !hasOtherAttendee(cal, org.Value) {
		return err
	}
	objs, err := s.objectsByUID(owner, schedUID(cal))
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o.Index.Organizer == backend.NormalizeEmail(org.Value) {
			return nil // a copy of owner's meeting
		}
	}
	return &scheduling.Error{Status: 403, Condition: scheduling.CondOrganizerChange,
		Reason: "the ORGANIZER " + org.Value + " is not one of your calendar user addresses and organizes no such meeting"}
}

// organizerProp is the first ORGANIZER of cal, nil when there is none.
func organizerProp(cal *goical.Calendar) *goical.Prop {
	for _, c := range cal.Children {
		if p := c.Props.Get("ORGANIZER"); p != nil {
			return p
		}
	}
	return nil
}

// hasOtherAttendee reports whether cal invites anyone but org.
func hasOtherAttendee(cal *goical.Calendar, org string) bool {
	o := backend.NormalizeEmail(org)
	for _, c := range cal.Children {
		for _, p := range c.Props["ATTENDEE"] {
			if backend.NormalizeEmail(p.Value) != o {
				return true
			}
		}
	}
	return false
}
