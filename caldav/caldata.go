package caldav

import (
	"net/http"
	"sort"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// checkCalendarDataRequest refuses media types other than iCalendar 2.0
// (RFC 4791 §9.6, CALDAV:supported-calendar-data).
func checkCalendarDataRequest(cd *dx.CalendarDataRequest) error {
	if cd == nil {
		return nil
	}
	if !strings.EqualFold(cd.ContentType, "text/calendar") || cd.Version != "2.0" {
		return conditionf(http.StatusForbidden, condSupportedCalendarData,
			"calendar-data is only available as text/calendar version 2.0, not %s %s", cd.ContentType, cd.Version)
	}
	return nil
}

// renderCalendarData returns the C:calendar-data text of a stored object
// for a REPORT (RFC 4791 §9.6): the stored bytes when nothing is asked
// beyond the whole object; otherwise the expanded (§9.6.5) or the
// recurrence- and free-busy-limited (§9.6.6, §9.6.7) object, subset by
// comp/prop. Subsetting keeps the client's lines; expansion re-encodes.
// instances is the number of components an expansion produced (at most
// opts.MaxInstances), 0 without expand.
func renderCalendarData(data []byte, cd *dx.CalendarDataRequest, opts ical.Options) (text string, instances int, err error) {
	// The answer is XML characters: a fold inside a character is moved.
	data = ical.RefoldSplitCharacters(data)
	if cd == nil || cd.Comp == nil && cd.Expand == nil && cd.LimitRecurrenceSet == nil && cd.LimitFreeBusySet == nil {
		return string(data), 0, nil
	}
	cal, err := ical.Parse(data)
	if err != nil {
		return "", 0, err
	}
	var root *rawComp
	changed := false
	if tr := cd.Expand; tr != nil {
		changed = true
		exp, err := ical.ExpandCalendar(cal, tr.Start, tr.End, opts)
		if err != nil {
			return "", 0, err
		}
		instances = len(exp.Children)
		root = fromGoical(exp.Component)
	} else {
		root = parseRaw(data)
		if root == nil {
			return string(data), 0, nil
		}
		if tr := cd.LimitRecurrenceSet; tr != nil {
			changed = limitRecurrence(root, cal, tr, opts)
		}
	}
	if tr := cd.LimitFreeBusySet; tr != nil {
		changed = limitFreeBusy(root, tr, opts.Floating) || changed
	}
	if !changed && cd.Comp == nil {
		return string(data), 0, nil // limits that removed nothing: the stored bytes
	}
	if cd.Comp != nil {
		if root.name != cd.Comp.Name {
			return "", instances, nil
		}
		root = subsetComp(root, cd.Comp)
	}
	var b strings.Builder
	root.write(&b)
	return b.String(), instances, nil
}

// rawComp is a component as the client wrote it: its content lines in
// order, each kept with its original folding (ical's text model), or
// written anew by the server (ical.NewLine).
type rawComp struct {
	name     string
	props    []*ical.Line
	children []*rawComp
}

// parseRaw splits validated iCalendar text into its component tree
// without interpreting values; nil if the text holds no VCALENDAR.
func parseRaw(data []byte) *rawComp {
	cal := ical.ParseText(data).Calendar()
	if cal == nil {
		return nil
	}
	return rawFromText(cal)
}

// rawFromText copies a component of ical's text model.
func rawFromText(c *ical.Comp) *rawComp {
	out := &rawComp{name: c.Name, props: c.Props()}
	for _, ch := range c.Components() {
		out.children = append(out.children, rawFromText(ch))
	}
	return out
}

// write serializes c with CRLF line ends.
func (c *rawComp) write(b *strings.Builder) {
	b.WriteString("BEGIN:" + c.name + "\r\n")
	for _, p := range c.props {
		b.WriteString(p.Normalized())
	}
	for _, ch := range c.children {
		ch.write(b)
	}
	b.WriteString("END:" + c.name + "\r\n")
}

// subsetComp applies a C:comp request (§9.6.1). A comp element without
// prop or comp children keeps all properties or sub-components, as the
// RFC's own examples do (<C:comp name="VTIMEZONE"/> returns it whole);
// VERSION and PRODID stay in VCALENDAR so the result remains iCalendar.
func subsetComp(c *rawComp, req *dx.CompRequest) *rawComp {
	out := &rawComp{name: c.name}
	allProps := req.AllProp || len(req.Props) == 0
	for _, p := range c.props {
		spec := findPropSpec(req.Props, p.Name())
		switch {
		case allProps, c.name == "VCALENDAR" && (p.Name() == "VERSION" || p.Name() == "PRODID"):
			out.props = append(out.props, p)
		case spec != nil && spec.NoValue:
			l := ical.NewLine(p.Text())
			l.SetValue("")
			out.props = append(out.props, l)
		case spec != nil:
			out.props = append(out.props, p)
		}
	}
	allComps := req.AllComp || len(req.Comps) == 0
	for _, ch := range c.children {
		if allComps {
			out.children = append(out.children, ch)
			continue
		}
		for i := range req.Comps {
			if req.Comps[i].Name == ch.name {
				out.children = append(out.children, subsetComp(ch, &req.Comps[i]))
				break
			}
		}
	}
	return out
}

func findPropSpec(specs []dx.PropSpec, name string) *dx.PropSpec {
	for i := range specs {
		if specs[i].Name == name {
			return &specs[i]
		}
	}
	return nil
}

// limitRecurrence keeps the master and the overrides with an occurrence
// overlapping tr (§9.6.6) and reports whether it removed any. The raw and
// parsed trees list the top-level components in the same order.
func limitRecurrence(root *rawComp, cal *goical.Calendar, tr *dx.TimeRange, opts ical.Options) bool {
	if len(root.children) != len(cal.Children) {
		return false
	}
	ins, _ := ical.Expand(cal, tr.Start, tr.End, opts)
	keep := map[*goical.Component]bool{}
	for _, in := range ins {
		keep[in.Component] = true
	}
	var kids []*rawComp
	for i, comp := range cal.Children {
		if comp.Props.Get("RECURRENCE-ID") == nil || keep[comp] {
			kids = append(kids, root.children[i])
		}
	}
	changed := len(kids) != len(root.children)
	root.children = kids
	return changed
}

// limitFreeBusy keeps only the FREEBUSY periods of VFREEBUSY components
// that overlap tr (§9.6.7), rewriting lines that lose some of theirs, and
// reports whether it removed any.
func limitFreeBusy(root *rawComp, tr *dx.TimeRange, loc *time.Location) bool {
	changed := false
	for _, c := range root.children {
		if c.name != "VFREEBUSY" {
			continue
		}
		var props []*ical.Line
		for _, p := range c.props {
			if p.Name() != "FREEBUSY" {
				props = append(props, p)
				continue
			}
			vals := strings.Split(p.Value(), ",")
			var kept []string
			for _, v := range vals {
				s, e, ok := ical.ParsePeriodValue(v, loc)
				if ok && (tr.End.IsZero() || s.Before(tr.End)) && (tr.Start.IsZero() || e.After(tr.Start)) {
					kept = append(kept, v)
				}
			}
			switch {
			case len(kept) == len(vals):
				props = append(props, p)
			case len(kept) > 0:
				l := ical.NewLine(p.Text())
				l.SetValue(strings.Join(kept, ","))
				props = append(props, l)
				changed = true
			default:
				changed = true
			}
		}
		c.props = props
	}
	return changed
}

// propOrder puts the identifying properties first in re-encoded
// components; the rest follow by name (go-ical keeps no order).
var propOrder = map[string]int{"UID": 1, "RECURRENCE-ID": 2, "DTSTAMP": 3, "DTSTART": 4, "DTEND": 5, "DUE": 6, "DURATION": 7}

// fromGoical turns a parsed component into a rawComp to be written with
// fresh folding; parameter values holding ':', ';' or ',' are quoted.
func fromGoical(c *goical.Component) *rawComp {
	out := &rawComp{name: c.Name}
	names := make([]string, 0, len(c.Props))
	for n := range c.Props {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := propOrder[names[i]], propOrder[names[j]]
		if oi == 0 {
			oi = 100
		}
		if oj == 0 {
			oj = 100
		}
		return oi < oj || oi == oj && names[i] < names[j]
	})
	for _, n := range names {
		for _, p := range c.Props[n] {
			out.props = append(out.props, ical.NewLine(propLine(&p)))
		}
	}
	for _, ch := range c.Children {
		out.children = append(out.children, fromGoical(ch))
	}
	return out
}

// propLine encodes one property as an unfolded content line.
func propLine(p *goical.Prop) string {
	var b strings.Builder
	b.WriteString(p.Name)
	keys := make([]string, 0, len(p.Params))
	for k := range p.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals := make([]string, len(p.Params[k]))
		for i, v := range p.Params[k] {
			if strings.ContainsAny(v, ":;,") {
				v = `"` + strings.ReplaceAll(v, `"`, "") + `"`
			}
			vals[i] = v
		}
		b.WriteString(";" + k + "=" + strings.Join(vals, ","))
	}
	b.WriteString(":" + p.Value)
	return b.String()
}
