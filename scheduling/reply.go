package scheduling

import (
	"sort"
	"time"

	goical "github.com/emersion/go-ical"
)

// reply sends the organizer one REPLY carrying the occurrences in keys
// ("" = the series), each with only the replying attendee (RFC 5546
// §3.2.3: a REPLY has exactly one ATTENDEE).
func (r *attRun) reply(res *Result, keys map[string]string) {
	if len(keys) == 0 {
		return
	}
	ks := make([]string, 0, len(keys))
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks) // "" (the master) first
	var m *Message
	for _, k := range ks {
		c := r.at(r.newS, k)
		if c == nil {
			c = r.at(r.oldS, k)
		}
		if c == nil || attendee(c, r.me) == nil {
			continue
		}
		if m == nil {
			m = newMessage(r.newS.cal, "REPLY", attendee(c, r.me).Value)
			if r.newS.cal == nil {
				m = newMessage(r.oldS.cal, "REPLY", attendee(c, r.me).Value)
			}
		}
		r.addReply(m, c, keys[k])
	}
	if m == nil {
		return
	}
	var box outbox
	box.put(m, r.org)
	res.Messages = box.messages()
}

// addReply adds c to m reduced to the replying attendee with partstat.
func (r *attRun) addReply(m *Message, c *goical.Component, ps string) {
	n := m.add(c, r.opts.Now)
	me := cloneProp(*attendee(n, r.me))
	me.Params.Set("PARTSTAT", ps)
	me.Params.Del("RSVP")
	n.Props["ATTENDEE"] = []goical.Prop{me}
	for _, name := range []string{"TRANSP", "PERCENT-COMPLETE"} {
		n.Props.Del(name)
	}
}

// replyDeleted declines every occurrence the attendee was invited to and
// had not declined yet: deleting the copy is declining (RFC 6638 §3.2.3).
func (r *attRun) replyDeleted(res *Result) {
	if !active(r.oldS.first()) {
		return
	}
	keys := map[string]string{}
	for _, k := range r.oldS.keys {
		c := r.oldS.byKey[k]
		if p := attendee(c, r.me); p != nil && active(c) && partstat(p) != "DECLINED" {
			keys[k] = "DECLINED"
		}
	}
	r.reply(res, keys)
}

// Answer is the REPLY of the attendee addr stating its PARTSTAT in every component
// of its copy that invites it (RFC 5546 §3.2.3), changed or not: the whole
// answer of a room or resource that decided on its own, to record in the
// organizer's copy, which must show every instance's answer as the write
// returns. nil when the copy invites addr nowhere.
func Answer(attendeeCopy *goical.Calendar, addr string, now time.Time) *Message {
	s := components(attendeeCopy)
	first := s.first()
	if first == nil || first.Props.Get("ORGANIZER") == nil {
		return nil
	}
	r := &attRun{orgRun: orgRun{oldS: s, newS: s, opts: Options{Now: now},
		derived: map[*compSet]map[string]*goical.Component{}}, me: normAddr(addr)}
	r.org = first.Props.Get("ORGANIZER").Value
	keys := map[string]string{}
	for _, k := range s.keys {
		if p := attendee(s.byKey[k], r.me); p != nil {
			keys[k] = partstat(p)
		}
	}
	res := &Result{}
	r.reply(res, keys)
	if len(res.Messages) == 0 {
		return nil
	}
	return res.Messages[0]
}
