package scheduling

import (
	"strconv"
	"strings"

	goical "github.com/emersion/go-ical"
)

// incoming checks an iTIP message's METHOD (RFC 5546 §1.4) and returns
// its components.
func incoming(msg *goical.Calendar, method string) (*compSet, error) {
	if msg == nil || msg.Component == nil {
		return nil, &MessageError{Reason: "no VCALENDAR"}
	}
	if m := propValue(msg.Component, "METHOD"); m != "" && !strings.EqualFold(m, method) {
		return nil, &MessageError{Reason: "METHOD is " + m + ", not " + method}
	}
	s := components(msg)
	if len(s.keys) == 0 {
		return nil, &MessageError{Reason: "no VEVENT, VTODO or VJOURNAL"}
	}
	return s, nil
}

// sameUID refuses a message about another object than the stored copy.
func sameUID(stored, msg *compSet) error {
	if stored.uid() != msg.uid() {
		return &MessageError{Reason: "UID " + msg.uid() + " does not match the stored object " + stored.uid()}
	}
	return nil
}

// occurrence returns the override k of s, or derives it from the master
// and adds it to s (and to its calendar) when add is set; nil when s has
// no master or excludes k.
func occurrence(s *compSet, k string, rid goical.Prop, add bool) *goical.Component {
	if c := s.byKey[k]; c != nil || k == "" {
		return c
	}
	if s.master == nil || keySet(listKeys(s.cal, s.master, "EXDATE"))[k] {
		return nil
	}
	c := derive(s.cal, s.master, rid)
	if add {
		s.cal.Children = append(s.cal.Children, c)
		s.byKey[k], s.keys = c, append(s.keys, k)
	}
	return c
}

// ApplyReply records an attendee's REPLY (RFC 5546 §3.2.3) in the
// organizer's copy and returns the updated copy (organizerCopy itself is
// not modified). A reply for one occurrence updates its override, which
// is created from the master when there is none yet. The attendee's
// PARTSTAT is set and RSVP dropped; its SCHEDULE-STATUS, the outcome of
// the organizer's last message to it (RFC 6638 §3.2.9), stays as it is.
//
// changed is false when the reply only repeats what is recorded (clients
// such as Thunderbird re-send their answer): the caller then need not
// store anything. A reply of which nothing applies because it is older
// than the copy (SEQUENCE lower, RFC 5546 §2.1.5) is ErrStaleReply, so
// that it is never reported as delivered. A REPLY from someone not
// invited is a *NotAttendeeError; a malformed one a *MessageError.
func ApplyReply(organizerCopy, reply *goical.Calendar) (*goical.Calendar, bool, error) {
	rs, err := incoming(reply, "REPLY")
	if err != nil {
		return nil, false, err
	}
	out := cloneCal(organizerCopy)
	cs := components(out)
	if err := sameUID(cs, rs); err != nil {
		return nil, false, err
	}
	changed, stale := false, false
	for _, k := range rs.keys {
		rc := rs.byKey[k]
		atts := rc.Props["ATTENDEE"]
		if len(atts) != 1 {
			return nil, false, &MessageError{Reason: "a REPLY must carry exactly one ATTENDEE"}
		}
		addr, ps := normAddr(atts[0].Value), partstat(&atts[0])
		target := cs.byKey[k]
		if target == nil {
			master := attendee(cs.master, addr)
			if master == nil {
				return nil, false, &NotAttendeeError{Address: atts[0].Value}
			}
			if partstat(master) == ps {
				continue // the occurrence already says so through the master
			}
			if target = occurrence(cs, k, cloneProp(*rc.Props.Get("RECURRENCE-ID")), true); target == nil {
				return nil, false, &MessageError{Reason: "REPLY for an occurrence that does not exist"}
			}
		}
		p := attendee(target, addr)
		if p == nil {
			return nil, false, &NotAttendeeError{Address: atts[0].Value}
		}
		if sequence(rc) < sequence(target) {
			stale = true
			continue
		}
		if partstat(p) == ps {
			continue
		}
		p.Params.Set("PARTSTAT", ps)
		p.Params.Del("RSVP")
		changed = true
	}
	if stale && !changed {
		return nil, false, ErrStaleReply
	}
	return out, changed, nil
}

// ApplyRequest returns the attendee's copy after an incoming REQUEST
// (RFC 5546 §3.2.2): a new copy when attendeeCopy is nil; otherwise a
// REQUEST carrying the master replaces the series, one carrying only
// overrides updates or adds those occurrences. Components whose SEQUENCE
// is lower than the copy's are stale and ignored (RFC 5546 §2.1.5). The
// attendee keeps its own PARTSTAT, alarms and TRANSP unless the time
// changed, in which case the organizer's NEEDS-ACTION stands.
// attendeeCopy is not modified.
func ApplyRequest(attendeeCopy, request *goical.Calendar, attendee string) (*goical.Calendar, error) {
	rs, err := incoming(request, "REQUEST")
	if err != nil {
		return nil, err
	}
	addr := normAddr(attendee)
	if findAttendee(map[string]bool{addr: true}, rs) == "" {
		return nil, &NotAttendeeError{Address: attendee}
	}
	if attendeeCopy == nil {
		out := &goical.Calendar{Component: goical.NewComponent("VCALENDAR")}
		for name, props := range request.Props {
			if name != "METHOD" {
				out.Props[name] = append([]goical.Prop(nil), props...)
			}
		}
		for _, c := range request.Children {
			out.Children = append(out.Children, cloneComp(c))
		}
		return out, nil
	}
	out := cloneCal(attendeeCopy)
	cs := components(out)
	if err := sameUID(cs, rs); err != nil {
		return nil, err
	}
	addTimezones(out, request)
	if rs.master != nil {
		// A copy whose whole meeting was cancelled is kept for people to
		// see (ApplyCancel); an organizer who makes the meeting again
		// (same UID, a lower SEQUENCE) invites anew.
		if cs.master != nil && active(cs.master) && sequence(rs.master) < sequence(cs.master) {
			return out, nil
		}
		var kids []*goical.Component
		for _, c := range out.Children {
			if !isScheduling(c.Name) {
				kids = append(kids, c)
			}
		}
		for _, k := range rs.keys {
			old := occurrence(cs, k, ridPropIn(rs, k), false)
			kids = append(kids, merge(cs.cal, old, rs.byKey[k], addr))
		}
		out.Children = append(kids, cancelledKept(cs, rs)...)
		return out, nil
	}
	for _, k := range rs.keys {
		rc := rs.byKey[k]
		old := occurrence(cs, k, ridPropIn(rs, k), false)
		if cs.byKey[k] != nil && sequence(rc) < sequence(old) {
			continue
		}
		n := merge(cs.cal, old, rc, addr)
		replaceComp(cs, k, n)
	}
	return out, nil
}

// cancelledKept returns the cancelled overrides of the copy cs that a
// REQUEST of the series rs excludes (EXDATE) without carrying them: an
// occurrence the organizer called off stays visible, cancelled, when the
// series is sent again (see ApplyCancel).
func cancelledKept(cs, rs *compSet) []*goical.Component {
	excluded := keySet(listKeys(rs.cal, rs.master, "EXDATE"))
	var out []*goical.Component
	for _, k := range cs.keys {
		if c := cs.byKey[k]; k != "" && !active(c) && rs.byKey[k] == nil && excluded[k] {
			out = append(out, c)
		}
	}
	return out
}

// merge is the organizer's component rc with the attendee's own data
// from old: PARTSTAT (unless the time changed), VALARMs and TRANSP.
func merge(cal *goical.Calendar, old, rc *goical.Component, addr string) *goical.Component {
	n := cloneComp(rc)
	if old == nil {
		return n
	}
	names := changedNames(canon(cal, old, nil), canon(cal, n, nil))
	if me, was := attendee(n, addr), attendee(old, addr); me != nil && was != nil && !anyIn(names, timeProps) {
		me.Params.Set("PARTSTAT", partstat(was))
		me.Params.Del("RSVP")
	}
	for _, ch := range old.Children {
		if ch.Name == "VALARM" {
			n.Children = append(n.Children, cloneComp(ch))
		}
	}
	if p := old.Props.Get("TRANSP"); p != nil {
		n.Props.Set(p)
	}
	return n
}

func replaceComp(s *compSet, k string, n *goical.Component) {
	for i, c := range s.cal.Children {
		if c == s.byKey[k] {
			s.cal.Children[i] = n
			s.byKey[k] = n
			return
		}
	}
	s.cal.Children = append(s.cal.Children, n)
	s.byKey[k], s.keys = n, append(s.keys, k)
}

// addTimezones copies the VTIMEZONEs of msg that cal lacks.
func addTimezones(cal, msg *goical.Calendar) {
	have := map[string]bool{}
	for _, c := range cal.Children {
		if c.Name == "VTIMEZONE" {
			have[propValue(c, "TZID")] = true
		}
	}
	for _, c := range msg.Children {
		if c.Name == "VTIMEZONE" && !have[propValue(c, "TZID")] {
			cal.Children = append([]*goical.Component{cloneComp(c)}, cal.Children...)
		}
	}
}

// ApplyCancel returns the attendee's copy after an incoming CANCEL (RFC
// 5546 §3.2.5). The copy is kept, marked STATUS:CANCELLED: every component
// when the series is cancelled, a STATUS:CANCELLED override for each
// occurrence cancelled. People see what was called off, as in Apple's
// Calendar Server, Exchange and Google; a cancelled occurrence is not busy
// time, and the attendee may delete the copy without answering. A CANCEL
// older than the copy (lower SEQUENCE) is ignored. It returns nil only
// when there is no copy. attendeeCopy is not modified.
func ApplyCancel(attendeeCopy, cancel *goical.Calendar) (*goical.Calendar, error) {
	rs, err := incoming(cancel, "CANCEL")
	if err != nil || attendeeCopy == nil {
		return nil, err
	}
	out := cloneCal(attendeeCopy)
	cs := components(out)
	if err := sameUID(cs, rs); err != nil {
		return nil, err
	}
	if rs.master != nil {
		if cs.master != nil && sequence(rs.master) < sequence(cs.master) {
			return out, nil
		}
		for _, k := range cs.keys {
			cancelComp(cs.byKey[k], sequence(rs.master))
		}
		return out, nil
	}
	for _, k := range rs.keys {
		rc := rs.byKey[k]
		existing := cs.byKey[k] != nil
		c := occurrence(cs, k, ridPropIn(rs, k), true)
		if c == nil && cs.master != nil {
			// Already excluded: the series with its EXDATE came first
			// (rooms are served before the CANCELs). Shown all the same.
			c = derive(cs.cal, cs.master, ridPropIn(rs, k))
			replaceComp(cs, k, c)
		}
		if c == nil || existing && sequence(rc) < sequence(c) {
			continue
		}
		cancelComp(c, sequence(rc))
	}
	return out, nil
}

// cancelComp marks c cancelled by a CANCEL of sequence seq; a component
// already newer keeps its SEQUENCE.
func cancelComp(c *goical.Component, seq int) {
	setValue(c, "STATUS", "CANCELLED")
	if seq > sequence(c) {
		setValue(c, "SEQUENCE", strconv.Itoa(seq))
	}
}
