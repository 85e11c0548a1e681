package scheduling

import (
	"sort"
	"strconv"
	"strings"

	goical "github.com/emersion/go-ical"
)

// attendeeOwned are the properties RFC 6638 §3.2.2.1 lets an attendee
// change in its own copy: its alarms (VALARM is never compared), its
// transparency, a to-do's progress, and private X- properties.
func attendeeOwned(comp string) func(string) bool {
	return func(name string) bool {
		switch name {
		case "TRANSP", "PERCENT-COMPLETE", "COMPLETED":
			return true
		case "STATUS":
			return comp == "VTODO" // the attendee completes the to-do
		}
		return strings.HasPrefix(name, "X-")
	}
}

// attRun is one attendee write being checked and turned into a REPLY.
type attRun struct {
	orgRun        // shared occurrence helpers (at, in)
	me     string // the actor's normalized address
}

// attendeeProcess implements RFC 6638 §3.2.2.1 and §3.2.3 for an
// attendee: check that only attendee-owned data changed, then REPLY with
// the occurrences whose PARTSTAT changed.
func attendeeProcess(res *Result, oldS, newS *compSet, me string, opts Options) error {
	r := &attRun{orgRun: orgRun{oldS: oldS, newS: newS, opts: opts,
		derived: map[*compSet]map[string]*goical.Component{}}, me: me}
	first := newS.first()
	if first == nil {
		first = oldS.first()
	}
	orgProp := first.Props.Get("ORGANIZER")
	r.org = orgProp.Value
	force := r.keepStatus()
	if scheduleAgent(orgProp) != "SERVER" {
		return nil // the attendee's client replies itself (RFC 6638 §7.1)
	}
	if len(newS.keys) == 0 {
		if !opts.NoReply {
			r.replyDeleted(res)
		}
		return nil
	}
	if strings.EqualFold(propValue(newS.first(), "STATUS"), "CANCELLED") {
		return nil // nobody answers a cancelled meeting
	}
	keys, err := r.check()
	if err != nil {
		return err
	}
	r.keepSequence()
	if force && len(keys) == 0 {
		keys = map[string]string{"": ""}
	}
	r.reply(res, keys)
	return nil
}

// keepStatus puts back the ORGANIZER's SCHEDULE-STATUS from the stored
// copy (it is the server's, RFC 6638 §7.3) and consumes
// SCHEDULE-FORCE-SEND=REPLY (§7.2), reporting whether it was set.
func (r *attRun) keepStatus() bool {
	status := ""
	if c := r.oldS.first(); c != nil && c.Props.Get("ORGANIZER") != nil {
		status = c.Props.Get("ORGANIZER").Params.Get("SCHEDULE-STATUS")
	}
	force := false
	for _, k := range r.newS.keys {
		ps := r.newS.byKey[k].Props["ORGANIZER"]
		for i := range ps {
			force = force || strings.EqualFold(ps[i].Params.Get("SCHEDULE-FORCE-SEND"), "REPLY")
			ps[i].Params.Del("SCHEDULE-FORCE-SEND")
			ps[i].Params.Del("SCHEDULE-STATUS")
			if status != "" {
				ps[i].Params.Set("SCHEDULE-STATUS", status)
			}
		}
	}
	return force
}

// keepSequence puts back the SEQUENCE of the stored copy on every
// component the attendee wrote: SEQUENCE is the organizer's (RFC 5546
// §2.1.4), the server knows it, and clients often send an older one or
// none. The REPLY then carries the sequence the organizer's copy has, so
// that it is not dropped as stale (RFC 5546 §2.1.5), nor are the
// attendee's later answers.
func (r *attRun) keepSequence() {
	for _, k := range r.newS.keys {
		n, o := r.newS.byKey[k], r.at(r.oldS, k)
		if o == nil {
			continue
		}
		if p := o.Props.Get("SEQUENCE"); p != nil {
			setValue(n, "SEQUENCE", strconv.Itoa(sequence(o)))
		} else {
			n.Props.Del("SEQUENCE")
		}
	}
}

// check compares every occurrence of the two versions and returns the
// ones whose PARTSTAT the attendee changed (key → new PARTSTAT). Removing
// an occurrence (EXDATE, or dropping an override) declines it.
func (r *attRun) check() (map[string]string, error) {
	keys := map[string]string{}
	create := len(r.oldS.keys) == 0
	all := append([]string{""}, r.occurrenceKeys()...)
	for _, k := range all {
		o, n := r.at(r.oldS, k), r.at(r.newS, k)
		switch {
		case create:
			if p := attendee(n, r.me); p != nil && partstat(p) != "NEEDS-ACTION" {
				keys[k] = partstat(p)
			}
			continue
		case o == nil && n == nil:
			continue
		case n == nil:
			if attendee(o, r.me) != nil && partstat(attendee(o, r.me)) != "DECLINED" {
				keys[k] = "DECLINED"
			}
			continue
		case o == nil:
			return nil, forbidden(CondAttendeeChange, "an attendee cannot add occurrence %s", k)
		}
		if err := r.compare(k, o, n); err != nil {
			return nil, err
		}
		if ps := partstat(attendee(n, r.me)); ps != partstat(attendee(o, r.me)) && ps != "" {
			keys[k] = ps
		}
	}
	return keys, nil
}

// compare refuses changes to what the organizer owns (RFC 6638 §3.2.2.1):
// everything but attendee-owned properties, the attendee's own ATTENDEE
// parameters and, on the master, EXDATEs added.
func (r *attRun) compare(k string, o, n *goical.Component) error {
	skip := attendeeOwned(n.Name)
	names := changedNames(canon(r.oldS.cal, o, skip), canon(r.newS.cal, n, skip))
	if k == "" {
		names = remove(names, "EXDATE")
		newEx := keySet(listKeys(r.newS.cal, n, "EXDATE"))
		for _, x := range listKeys(r.oldS.cal, o, "EXDATE") {
			if !newEx[x] {
				return forbidden(CondAttendeeChange, "an attendee cannot restore an excluded occurrence")
			}
		}
	}
	if len(names) > 0 {
		return forbidden(CondAttendeeChange, "an attendee cannot change %s", strings.Join(names, ", "))
	}
	if a, b := addrList(o), addrList(n); a != b {
		return forbidden(CondAttendeeChange, "an attendee cannot change the list of attendees")
	}
	if oo, _ := organizerOf(o); oo != "" {
		if no, _ := organizerOf(n); no != oo {
			return forbidden(CondAttendeeChange, "an attendee cannot change the ORGANIZER")
		}
	}
	return nil
}

func addrList(c *goical.Component) string {
	var l []string
	for addr := range attendees(c) {
		l = append(l, addr)
	}
	sort.Strings(l)
	return strings.Join(l, ",")
}

func remove(l []string, s string) []string {
	var out []string
	for _, x := range l {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
