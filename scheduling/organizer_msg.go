package scheduling

import (
	"strconv"

	goical "github.com/emersion/go-ical"
)

// plan decides what one attendee receives (RFC 5546 §3.2.2, §3.2.5):
//   - invited for the first time, re-invited to the series, or the
//     series changed: a REQUEST with its whole view;
//   - only some occurrences changed or were added for it: a REQUEST
//     carrying just those occurrences, each with its RECURRENCE-ID;
//   - removed from the object, the object deleted or cancelled: a CANCEL
//     of the series; removed from, or cancelled, occurrences (EXDATE,
//     STATUS:CANCELLED override): a CANCEL of those occurrences.
func (r *orgRun) plan(addr string) {
	keys := r.occurrenceKeys()
	wasMaster, isMaster := r.in(r.oldS, "", addr), r.in(r.newS, "", addr)
	wasAny, isAny := wasMaster, isMaster
	for _, k := range keys {
		wasAny = wasAny || r.in(r.oldS, k, addr)
		isAny = isAny || r.in(r.newS, k, addr)
	}
	var cancel, request []string
	full := false
	switch {
	case !wasAny && !isAny:
		return
	case !isAny && wasMaster:
		cancel = []string{""}
	case !wasAny:
		full = true
	default:
		if wasMaster && !isMaster {
			cancel, full = []string{""}, isAny
		}
		full = full || !wasMaster && isMaster || isMaster && r.changedFor("")
		for _, k := range keys {
			was, is := r.in(r.oldS, k, addr), r.in(r.newS, k, addr)
			switch {
			case was && !is && !(wasMaster && !isMaster):
				cancel = append(cancel, k)
			case is && (!was || r.changedFor(k)):
				request = append(request, k)
			}
		}
	}
	full = full || isAny && r.force[addr]
	value := r.value(addr)
	if len(cancel) > 0 {
		r.box.put(r.cancel(cancel, addr), value)
	}
	if full || len(request) > 0 {
		r.box.put(r.request(addr, full, request), value)
	}
}

// value returns addr as written in the object (newest version first).
func (r *orgRun) value(addr string) string {
	for _, s := range []*compSet{r.newS, r.oldS} {
		for _, k := range s.keys {
			if p := attendee(s.byKey[k], addr); p != nil {
				return p.Value
			}
		}
	}
	return addr
}

// request builds the REQUEST for addr: its whole view of the new version,
// or only the occurrences listed.
func (r *orgRun) request(addr string, full bool, keys []string) *Message {
	m := newMessage(r.newS.cal, "REQUEST", r.org)
	if !full {
		for _, k := range keys {
			m.add(r.at(r.newS, k), r.opts.Now)
		}
		return m
	}
	var master *goical.Component
	if r.in(r.newS, "", addr) {
		master = m.add(r.newS.master, r.opts.Now)
	}
	for _, k := range r.newS.keys {
		c := r.newS.byKey[k]
		switch {
		case k == "":
		case attendee(c, addr) != nil:
			m.add(c, r.opts.Now)
		case master != nil:
			// Not invited to this occurrence: it is not in this
			// attendee's view of the series.
			ex := cloneProp(*c.Props.Get("RECURRENCE-ID"))
			ex.Name = "EXDATE"
			master.Props.Add(&ex)
		}
	}
	return m
}

// cancel builds the CANCEL of the listed occurrences ("" = the series)
// for addr. SEQUENCE is the newest known, bumped when the whole object is
// deleted, so that the attendee's copy is not newer than the CANCEL (RFC
// 5546 §2.1.5). An occurrence cancelled for everyone lists every attendee;
// one that only addr leaves lists addr alone (RFC 5546 §3.2.5).
func (r *orgRun) cancel(keys []string, addr string) *Message {
	m := newMessage(r.oldS.cal, "CANCEL", r.org)
	deleted := len(r.newS.keys) == 0
	for _, k := range keys {
		base := r.at(r.oldS, k)
		seq := sequence(base)
		n := r.at(r.newS, k)
		for _, c := range []*goical.Component{n, r.newS.master} {
			if c != nil && sequence(c) > seq {
				seq = sequence(c) // e.g. the master bumped for an added EXDATE
			}
		}
		if deleted {
			seq++
		}
		c := m.add(base, r.opts.Now)
		setValue(c, "STATUS", "CANCELLED")
		setValue(c, "SEQUENCE", strconv.Itoa(seq))
		if seq > m.Sequence {
			m.Sequence = seq
		}
		if active(n) {
			keep := []goical.Prop{*attendee(c, addr)}
			c.Props["ATTENDEE"] = keep
		}
	}
	return m
}
