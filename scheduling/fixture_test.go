package scheduling

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/ical"
)

// scenario is one testdata/*.txt file: sections "-- name --", among them
// "meta" (key: value lines), iCalendar sections (old.ics, new.ics,
// copy.ics, message.ics, event.ics), "busy" and "expect".
type scenario struct {
	name     string
	meta     map[string]string
	sections map[string]string
}

func loadScenarios(t *testing.T) []scenario {
	t.Helper()
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	var out []scenario
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := scenario{name: strings.TrimSuffix(filepath.Base(f), ".txt"), meta: map[string]string{}, sections: map[string]string{}}
		cur := ""
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimRight(line, "\r")
			if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
				cur = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --")
				continue
			}
			if cur != "" {
				sc.sections[cur] += line + "\n"
			}
		}
		for _, line := range strings.Split(sc.sections["meta"], "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				sc.meta[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		out = append(out, sc)
	}
	return out
}

// cal parses an iCalendar section; nil when the section is absent.
func (sc scenario) cal(t *testing.T, name string) *goical.Calendar {
	t.Helper()
	text, ok := sc.sections[name]
	if !ok {
		return nil
	}
	text = strings.ReplaceAll(strings.TrimSpace(text), "\n", "\r\n") + "\r\n"
	cal, err := ical.Parse([]byte(text))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cal
}

// expectBlock is one "message" or "stored" block of the expect section.
type expectBlock struct {
	head   []string // "message METHOD rcpt..." or "stored"
	checks [][]string
}

func (sc scenario) expect() (top [][]string, blocks []expectBlock) {
	for _, line := range strings.Split(sc.sections["expect"], "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "message", "stored":
			blocks = append(blocks, expectBlock{head: f})
		default:
			if len(blocks) == 0 {
				top = append(top, f)
			} else {
				blocks[len(blocks)-1].checks = append(blocks[len(blocks)-1].checks, f)
			}
		}
	}
	return top, blocks
}

// reparse round-trips cal through text so that checks see what a
// recipient decodes, not the structures the code built.
func reparse(t *testing.T, cal *goical.Calendar) *goical.Calendar {
	t.Helper()
	out, err := ical.Parse(ical.EncodeText(cal))
	if err != nil {
		t.Fatalf("produced iCalendar does not parse: %v\n%s", err, ical.EncodeText(cal))
	}
	return out
}

// checkCal runs the checks of one block against cal.
func checkCal(t *testing.T, what string, cal *goical.Calendar, checks [][]string) {
	t.Helper()
	s := components(cal)
	sel := func(k string) *goical.Component {
		if k == "master" {
			return s.master
		}
		return s.byKey[timeKey(nil, strings.TrimPrefix(k, "D"), "")]
	}
	for _, c := range checks {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("%s: %s: "+format+"\n%s", append([]any{what, strings.Join(c, " ")}, append(args, ical.EncodeText(cal))...)...)
		}
		var comp *goical.Component
		if len(c) > 1 {
			comp = sel(c[1])
		}
		switch c[0] {
		case "count":
			if got := len(s.keys); strconv.Itoa(got) != c[1] {
				fail("got %d components", got)
			}
			continue
		case "method":
			if got := propValue(cal.Component, "METHOD"); got != strings.Join(c[1:], "") {
				fail("got METHOD %q", got)
			}
			continue
		case "absent":
			if comp != nil {
				fail("component present")
			}
			continue
		}
		if comp == nil {
			fail("no such component")
			continue
		}
		switch c[0] {
		case "has":
			if got := propValue(comp, c[2]); got != strings.Join(c[3:], " ") {
				fail("got %q", got)
			}
		case "lacks":
			if comp.Props.Get(c[2]) != nil {
				fail("property present")
			}
		case "values": // EXDATE/RDATE as normalized keys
			if got := strings.Join(listKeys(cal, comp, c[2]), " "); got != strings.Join(c[3:], " ") {
				fail("got %q", got)
			}
		case "attendees":
			var got []string
			for a := range attendees(comp) {
				got = append(got, a)
			}
			sort.Strings(got)
			want := append([]string(nil), c[2:]...)
			sort.Strings(want)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				fail("got %v", got)
			}
		case "param": // param SEL PROP ADDR PARAM VALUE ("-" = absent)
			var p *goical.Prop
			if c[2] == "ORGANIZER" {
				p = comp.Props.Get("ORGANIZER")
			} else {
				p = attendee(comp, normAddr(c[3]))
			}
			if p == nil {
				fail("no %s %s", c[2], c[3])
				continue
			}
			want := c[5]
			if want == "-" {
				want = ""
			}
			if got := p.Params.Get(c[4]); got != want {
				fail("got %q", got)
			}
		default:
			t.Fatalf("%s: unknown check %q", what, c[0])
		}
	}
}
