package scheduling

import (
	"strings"

	goical "github.com/emersion/go-ical"
)

// compSet is the scheduling components of one object (RFC 5546 §1.4: one
// UID, a master and its RECURRENCE-ID overrides), keyed by recurrence key
// ("" for the master, see ridKey).
type compSet struct {
	cal    *goical.Calendar
	byKey  map[string]*goical.Component
	keys   []string // order of appearance
	master *goical.Component
}

// isScheduling reports the component types iTIP schedules (RFC 5546 §1.4).
func isScheduling(name string) bool {
	return name == "VEVENT" || name == "VTODO" || name == "VJOURNAL"
}

func components(cal *goical.Calendar) *compSet {
	s := &compSet{cal: cal, byKey: map[string]*goical.Component{}}
	if cal == nil || cal.Component == nil {
		return s
	}
	for _, c := range cal.Children {
		if !isScheduling(c.Name) {
			continue
		}
		k := compKey(cal, c)
		if _, dup := s.byKey[k]; dup {
			continue // Inspect rejects duplicates; keep the first
		}
		s.byKey[k] = c
		s.keys = append(s.keys, k)
		if k == "" {
			s.master = c
		}
	}
	return s
}

// compKey is "" for a master, the normalized RECURRENCE-ID otherwise.
func compKey(cal *goical.Calendar, c *goical.Component) string {
	if p := c.Props.Get("RECURRENCE-ID"); p != nil {
		return timeKey(cal, p.Value, p.Params.Get("TZID"))
	}
	return ""
}

// uid returns the UID of the first scheduling component.
func (s *compSet) uid() string {
	for _, k := range s.keys {
		return propValue(s.byKey[k], "UID")
	}
	return ""
}

// first returns the master, or the first override when there is none.
func (s *compSet) first() *goical.Component {
	if s.master != nil {
		return s.master
	}
	if len(s.keys) > 0 {
		return s.byKey[s.keys[0]]
	}
	return nil
}

func propValue(c *goical.Component, name string) string {
	if c == nil {
		return ""
	}
	if p := c.Props.Get(name); p != nil {
		return strings.TrimSpace(p.Value)
	}
	return ""
}

func sequence(c *goical.Component) int {
	n := 0
	for _, r := range propValue(c, "SEQUENCE") {
		if r < '0' || r > '9' {
			return n
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func setValue(c *goical.Component, name, value string) {
	p := goical.NewProp(name)
	p.Value = value
	c.Props.Set(p)
}

func cloneProp(p goical.Prop) goical.Prop {
	q := goical.Prop{Name: p.Name, Value: p.Value, Params: goical.Params{}}
	for k, v := range p.Params {
		q.Params[k] = append([]string(nil), v...)
	}
	return q
}

func cloneComp(c *goical.Component) *goical.Component {
	n := goical.NewComponent(c.Name)
	for name, props := range c.Props {
		for _, p := range props {
			n.Props[name] = append(n.Props[name], cloneProp(p))
		}
	}
	for _, ch := range c.Children {
		n.Children = append(n.Children, cloneComp(ch))
	}
	return n
}

func cloneCal(cal *goical.Calendar) *goical.Calendar {
	if cal == nil {
		return nil
	}
	return &goical.Calendar{Component: cloneComp(cal.Component)}
}

// normAddr normalizes a calendar user address for comparison: "mailto:"
// addresses and URNs compare case-insensitively (RFC 6638 §3.1 leaves the
// matching to the server; every deployed server ignores case in e-mail).
func normAddr(s string) string {
	s = strings.TrimSpace(s)
	l := strings.ToLower(s)
	if strings.HasPrefix(l, "mailto:") || strings.HasPrefix(l, "urn:") {
		return l
	}
	return s
}

// attendees returns the ATTENDEE properties of c by normalized address.
func attendees(c *goical.Component) map[string]*goical.Prop {
	m := map[string]*goical.Prop{}
	if c == nil {
		return m
	}
	ps := c.Props["ATTENDEE"]
	for i := range ps {
		m[normAddr(ps[i].Value)] = &ps[i]
	}
	return m
}

func attendee(c *goical.Component, addr string) *goical.Prop {
	if c == nil {
		return nil
	}
	ps := c.Props["ATTENDEE"]
	for i := range ps {
		if normAddr(ps[i].Value) == addr {
			return &ps[i]
		}
	}
	return nil
}

// partstat returns PARTSTAT with the RFC 5545 §3.2.12 default.
func partstat(p *goical.Prop) string {
	if p == nil {
		return ""
	}
	if v := strings.ToUpper(p.Params.Get("PARTSTAT")); v != "" {
		return v
	}
	return "NEEDS-ACTION"
}

// scheduleAgent returns SCHEDULE-AGENT with the RFC 6638 §7.1 default.
func scheduleAgent(p *goical.Prop) string {
	if v := strings.ToUpper(p.Params.Get("SCHEDULE-AGENT")); v != "" {
		return v
	}
	return "SERVER"
}

// stripSchedulingParams removes the parameters RFC 6638 §7.1-§7.3 keep
// out of iTIP messages: SCHEDULE-AGENT, SCHEDULE-STATUS and
// SCHEDULE-FORCE-SEND are between a client and its server.
func stripSchedulingParams(c *goical.Component) {
	for _, name := range []string{"ATTENDEE", "ORGANIZER"} {
		ps := c.Props[name]
		for i := range ps {
			ps[i].Params.Del("SCHEDULE-AGENT")
			ps[i].Params.Del("SCHEDULE-STATUS")
			ps[i].Params.Del("SCHEDULE-FORCE-SEND")
		}
	}
}
