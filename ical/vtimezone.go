package ical

import (
	"encoding/binary"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// A VTIMEZONE is evaluated by listing its transitions between these years
// and handing them to time.LoadLocationFromTZData as synthetic TZif data.
// After the last transition the last offset stays in force.
const (
	vtzFirstYear = 1900
	vtzLastYear  = 2100
	// maxTransitions bounds what a hostile VTIMEZONE (FREQ=SECONDLY) can
	// make us allocate; real zones need about 2 per year.
	maxTransitions = 4096
)

type transition struct {
	at     int64 // Unix seconds
	offset int   // offset in force from at on
	from   int   // offset in force before at (TZOFFSETFROM)
	dst    bool
	name   string
}

var (
	vtzMu    sync.Mutex
	vtzCache = map[string]*time.Location{}
)

// vtimezoneLocation evaluates a VTIMEZONE component. Results are cached by
// the component's content, since the same VTIMEZONE arrives with every PUT
// from a given client.
func vtimezoneLocation(vt *goical.Component, name string) (*time.Location, error) {
	key := vtimezoneKey(vt, name)
	vtzMu.Lock()
	loc, ok := vtzCache[key]
	vtzMu.Unlock()
	if ok {
		return loc, nil
	}
	trans, first, err := vtimezoneTransitions(vt)
	if err != nil {
		return nil, err
	}
	loc, err = time.LoadLocationFromTZData(name, buildTZif(trans, first))
	if err != nil {
		return nil, err
	}
	vtzMu.Lock()
	if len(vtzCache) > 1024 { // crude bound: drop everything rather than grow
		vtzCache = map[string]*time.Location{}
	}
	vtzCache[key] = loc
	vtzMu.Unlock()
	return loc, nil
}

func vtimezoneKey(vt *goical.Component, name string) string {
	var b strings.Builder
	b.WriteString(name)
	for _, sub := range vt.Children {
		b.WriteString("|" + sub.Name)
		for _, k := range []string{"DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "RRULE", "RDATE", "TZNAME"} {
			for _, p := range sub.Props.Values(k) {
				b.WriteString(";" + k + "=" + p.Value)
			}
		}
	}
	return b.String()
}

// vtimezoneTransitions lists the onsets of every STANDARD and DAYLIGHT
// sub-component (DTSTART, RRULE occurrences and RDATEs), each read in the
// sub-component's TZOFFSETFROM as RFC 5545 §3.6.5 prescribes. first is the
// offset in force before the first transition.
func vtimezoneTransitions(vt *goical.Component) ([]transition, transition, error) {
	var on onsets
	for _, sub := range vt.Children {
		if sub.Name != "STANDARD" && sub.Name != "DAYLIGHT" {
			continue
		}
		if err := on.addObservance(sub); err != nil {
			return nil, transition{}, err
		}
	}
	if len(on) == 0 {
		return nil, transition{}, errors.New("VTIMEZONE has no STANDARD or DAYLIGHT")
	}
	out, first := on.sorted()
	return out, first, nil
}

// onsets collects transitions, at most maxTransitions of them.
type onsets []transition

// add records tr's onset at wall, a local time read in tr's TZOFFSETFROM
// unless utc.
func (on *onsets) add(tr transition, wall time.Time, utc bool) {
	if len(*on) >= maxTransitions {
		return
	}
	tr.at = wall.Unix()
	if !utc {
		tr.at -= int64(tr.from)
	}
	*on = append(*on, tr)
}

// addObservance adds the onsets of one STANDARD or DAYLIGHT: its DTSTART,
// its RRULEs' occurrences and its RDATEs.
func (on *onsets) addObservance(sub *goical.Component) error {
	tr, start, err := readObservance(sub)
	if err != nil {
		return err
	}
	on.add(tr, start.wall, start.utc)
	for _, rp := range sub.Props.Values("RRULE") {
		if err := on.addRule(tr, start, rp.Value); err != nil {
			return err
		}
	}
	for _, rp := range sub.Props.Values("RDATE") {
		for _, v := range splitList(rp.Value) {
			if tv, err := parseTimeValue(v, rp.Params.Get("VALUE"), ""); err == nil {
				on.add(tr, tv.wall, tv.utc)
			} else if per, err := parsePeriod(v, ""); err == nil {
				on.add(tr, per.start.wall, per.start.utc)
			}
		}
	}
	return nil
}

// readObservance reads what every onset of an observance shares (its
// offsets, whether it is daylight time, its name) and its DTSTART.
func readObservance(sub *goical.Component) (transition, timeValue, error) {
	fromP, toP, startP := sub.Props.Get("TZOFFSETFROM"), sub.Props.Get("TZOFFSETTO"), sub.Props.Get("DTSTART")
	if fromP == nil || toP == nil || startP == nil {
		return transition{}, timeValue{}, errors.New("VTIMEZONE sub-component lacks DTSTART or offsets")
	}
	from, err1 := parseUTCOffset(fromP.Value)
	to, err2 := parseUTCOffset(toP.Value)
	start, err3 := parseTimeValue(startP.Value, startP.Params.Get("VALUE"), "")
	if err1 != nil || err2 != nil || err3 != nil {
		return transition{}, timeValue{}, errors.New("invalid VTIMEZONE sub-component")
	}
	tr := transition{offset: to, from: from, dst: sub.Name == "DAYLIGHT"}
	if p := sub.Props.Get("TZNAME"); p != nil {
		tr.name = p.Value
	}
	return tr, start, nil
}

// addRule adds the occurrences of an observance's RRULE up to the end of
// vtzLastYear. The rule runs on local wall times from DTSTART, so a UTC
// UNTIL is brought back to the wall clock of the offset before the onset.
func (on *onsets) addRule(tr transition, start timeValue, value string) error {
	limit := time.Date(vtzLastYear, 12, 31, 23, 59, 59, 0, time.UTC)
	r, err := parseRecur(value)
	if err != nil {
		return err
	}
	if r.rscale != "" {
		return nil // not computed (see ruleOccurrences): the onset alone
	}
	opt := r.option(start.wall)
	if r.until != nil {
		u := r.until.wall
		if r.until.utc {
			u = u.Add(time.Duration(tr.from) * time.Second) // back to local wall
		}
		opt.Until = u
	} else if r.count == 0 {
		opt.Until = limit
	}
	rule, err := rrule.NewRRule(opt)
	if err != nil {
		return err
	}
	next := rule.Iterator()
	for n := 0; n < maxTransitions; n++ {
		w, ok := next()
		if !ok || w.After(limit) {
			break
		}
		on.add(tr, w, false)
	}
	return nil
}

// sorted returns the onsets in time order from vtzFirstYear on, one per
// instant (the later listed wins), and the transition in force before
// them: the last onset before vtzFirstYear, else the first onset's
// TZOFFSETFROM.
func (on onsets) sorted() ([]transition, transition) {
	trans := []transition(on)
	sort.SliceStable(trans, func(i, j int) bool { return trans[i].at < trans[j].at })
	first := transition{offset: trans[0].from}
	lo := time.Date(vtzFirstYear, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	out := trans[:0]
	for _, t := range trans {
		if t.at < lo {
			// Onsets before 1900 only set the initial offset.
			first = t
			continue
		}
		if n := len(out); n > 0 && out[n-1].at == t.at {
			out[n-1] = t
			continue
		}
		out = append(out, t)
	}
	return out, first
}

// buildTZif encodes transitions as RFC 8536 TZif version 2 data: an empty
// version 1 block (Go reads only the 64-bit block) and no footer rule, so
// the last offset holds after the last transition.
func buildTZif(trans []transition, first transition) []byte {
	type ttinfo struct {
		off  int32
		dst  bool
		name string
	}
	var types []ttinfo
	typeIdx := map[ttinfo]int{}
	idx := func(t ttinfo) int {
		if i, ok := typeIdx[t]; ok {
			return i
		}
		typeIdx[t] = len(types)
		types = append(types, t)
		return len(types) - 1
	}
	norm := func(name string, off int) string {
		if name == "" || len(name) > 32 || strings.ContainsAny(name, "\x00") {
			return offsetName(off)
		}
		return name
	}
	idx(ttinfo{int32(first.offset), false, norm(first.name, first.offset)}) // type 0: before the first transition
	tidx := make([]byte, len(trans))
	for i, t := range trans {
		tidx[i] = byte(idx(ttinfo{int32(t.offset), t.dst, norm(t.name, t.offset)}))
		if len(types) >= 255 {
			break
		}
	}
	var chars []byte
	nameAt := map[string]int{}
	for _, t := range types {
		if _, ok := nameAt[t.name]; !ok {
			nameAt[t.name] = len(chars)
			chars = append(append(chars, t.name...), 0)
		}
	}
	be := binary.BigEndian
	header := func(b []byte, timecnt, typecnt, charcnt int) []byte {
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		for _, n := range []int{0, 0, 0, timecnt, typecnt, charcnt} {
			b = be.AppendUint32(b, uint32(n))
		}
		return b
	}
	var b []byte
	// Version 1 block: one UTC type, no transitions.
	b = header(b, 0, 1, 1)
	b = append(b, 0, 0, 0, 0, 0, 0, 0)
	b = header(b, len(trans), len(types), len(chars))
	for _, t := range trans {
		b = be.AppendUint64(b, uint64(t.at))
	}
	b = append(b, tidx...)
	for _, t := range types {
		b = be.AppendUint32(b, uint32(t.off))
		d := byte(0)
		if t.dst {
			d = 1
		}
		b = append(b, d, byte(nameAt[t.name]))
	}
	b = append(b, chars...)
	b = append(b, '\n', '\n')
	return b
}

func offsetName(off int) string {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	return string([]byte{sign, byte('0' + off/36000), byte('0' + off/3600%10), byte('0' + off/600%6), byte('0' + off/60%10)})
}
