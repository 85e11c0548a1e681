package scheduling

import (
	"sort"
	"strconv"
	"strings"

	goical "github.com/emersion/go-ical"
)

// orgRun is one organizer write being turned into messages.
type orgRun struct {
	oldS, newS *compSet
	org        string // the organizer, as written
	orgAddr    string // normalized
	opts       Options
	force      map[string]bool // SCHEDULE-FORCE-SEND=REQUEST (RFC 6638 §7.2)
	derived    map[*compSet]map[string]*goical.Component
	changed    map[string]bool
	box        outbox
}

// organizerProcess implements RFC 6638 §3.2.1-§3.2.3 for the organizer:
// res.Object (newS) is adjusted in place, messages go to res.Messages.
func organizerProcess(res *Result, oldS, newS *compSet, opts Options) error {
	r := &orgRun{oldS: oldS, newS: newS, opts: opts, force: map[string]bool{},
		derived: map[*compSet]map[string]*goical.Component{}, changed: map[string]bool{}}
	for _, s := range []*compSet{newS, oldS} {
		if c := s.first(); c != nil && c.Props.Get("ORGANIZER") != nil && r.org == "" {
			r.org = c.Props.Get("ORGANIZER").Value
		}
	}
	r.orgAddr = normAddr(r.org)
	for _, k := range newS.keys {
		r.fix(k)
	}
	for _, addr := range r.recipients() {
		r.plan(addr)
	}
	res.Messages = r.box.messages()
	return nil
}

// fix adjusts one component of the object to store: SCHEDULE-STATUS is
// the server's (RFC 6638 §7.3: kept from the stored copy, never taken from
// the client), SCHEDULE-FORCE-SEND is a one-shot request (§7.2), SEQUENCE
// grows on a significant change (RFC 5545 §3.8.7.4) and a new time asks
// every attendee again (PARTSTAT=NEEDS-ACTION, RSVP=TRUE).
func (r *orgRun) fix(k string) {
	n := r.newS.byKey[k]
	o := r.at(r.oldS, k)
	oldAtt := attendees(o)
	if o == nil {
		oldAtt = attendees(r.oldS.master)
	}
	ps := n.Props["ATTENDEE"]
	for i := range ps {
		p := &ps[i]
		addr := normAddr(p.Value)
		if strings.EqualFold(p.Params.Get("SCHEDULE-FORCE-SEND"), "REQUEST") {
			r.force[addr] = true
		}
		p.Params.Del("SCHEDULE-FORCE-SEND")
		p.Params.Del("SCHEDULE-STATUS")
		if op := oldAtt[addr]; op != nil && op.Params.Get("SCHEDULE-STATUS") != "" {
			p.Params.Set("SCHEDULE-STATUS", op.Params.Get("SCHEDULE-STATUS"))
		}
	}
	if o == nil {
		return
	}
	names := changedNames(canon(r.oldS.cal, o, nil), canon(r.newS.cal, n, nil))
	if anyIn(names, significantProps) && sequence(n) <= sequence(o) {
		setValue(n, "SEQUENCE", strconv.Itoa(sequence(o)+1))
	}
	if !anyIn(names, timeProps) {
		return
	}
	for i := range ps {
		p := &ps[i]
		addr := normAddr(p.Value)
		op := oldAtt[addr]
		if addr == r.orgAddr || op != nil && partstat(op) != partstat(p) {
			continue // the organizer's own answer, or one the client just set
		}
		if partstat(p) != "NEEDS-ACTION" {
			p.Params.Set("PARTSTAT", "NEEDS-ACTION")
			p.Params.Set("RSVP", "TRUE")
		}
	}
}

// at returns the component of s for occurrence k: the override, the
// master's occurrence derived from it, or nil when s has no such
// occurrence (excluded by EXDATE, or no master).
func (r *orgRun) at(s *compSet, k string) *goical.Component {
	if c := s.byKey[k]; c != nil || k == "" {
		return c
	}
	if s.master == nil || keySet(listKeys(s.cal, s.master, "EXDATE"))[k] {
		return nil
	}
	m := r.derived[s]
	if m == nil {
		m = map[string]*goical.Component{}
		r.derived[s] = m
	}
	if m[k] == nil {
		rid := ridPropIn(r.newS, k)
		if r.newS.byKey[k] == nil {
			rid = ridPropIn(r.oldS, k)
		}
		m[k] = derive(s.cal, s.master, rid)
	}
	return m[k]
}

func active(c *goical.Component) bool {
	return c != nil && !strings.EqualFold(propValue(c, "STATUS"), "CANCELLED")
}

// in reports whether addr is invited to occurrence k of s.
func (r *orgRun) in(s *compSet, k, addr string) bool {
	c := r.at(s, k)
	return active(c) && attendee(c, addr) != nil
}

// changedFor reports whether occurrence k looks different to its
// attendees: any organizer-owned property, the attendee list, or a higher
// SEQUENCE (RFC 5546 §2.1.4: a new revision the attendees must hold, or
// their answers to it are stale, §2.1.5; the organizer's client may bump
// it to ask everyone again). Other attendees' PARTSTATs are not news.
// Added EXDATEs on the master are sent as per-occurrence CANCELs too
// (RFC 5546 §3.2.5).
func (r *orgRun) changedFor(k string) bool {
	if v, ok := r.changed[k]; ok {
		return v
	}
	o, n := r.at(r.oldS, k), r.at(r.newS, k)
	skip := func(name string) bool { return k == "" && name == "EXDATE" }
	v := len(changedNames(canon(r.oldS.cal, o, skip), canon(r.newS.cal, n, skip))) > 0 ||
		attendeeList(o) != attendeeList(n) || o != nil && n != nil && sequence(n) > sequence(o)
	r.changed[k] = v
	return v
}

// recipients lists every attendee of either version that the server
// schedules: not the organizer itself, and not those whose
// SCHEDULE-AGENT is CLIENT or NONE (RFC 6638 §7.1), as written.
func (r *orgRun) recipients() []string {
	agent := map[string]string{}
	var addrs []string
	for _, s := range []*compSet{r.newS, r.oldS} {
		for _, k := range s.keys {
			for addr, p := range attendees(s.byKey[k]) {
				if _, seen := agent[addr]; !seen {
					agent[addr] = scheduleAgent(p)
					if addr != r.orgAddr && agent[addr] == "SERVER" {
						addrs = append(addrs, addr)
					}
				}
			}
		}
	}
	sort.Strings(addrs)
	return addrs
}

// occurrenceKeys lists the overrides and excluded occurrences of both
// versions, in a stable order.
func (r *orgRun) occurrenceKeys() []string {
	set := map[string]bool{}
	for _, s := range []*compSet{r.oldS, r.newS} {
		for _, k := range s.keys {
			set[k] = true
		}
		for _, k := range listKeys(s.cal, s.master, "EXDATE") {
			set[k] = true
		}
	}
	delete(set, "")
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
