package caldav

import (
	"bufio"
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"

	dx "github.com/kalends/kalends/caldav/internal/davxml"

	"github.com/kalends/kalends/ical"
)

// corpusDir finds ../shared/corpus (or $KALENDS_CORPUS). The corpus is
// read in place: its files keep their own licenses.
func corpusDir(t *testing.T) string {
	dir := os.Getenv("KALENDS_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus not found at %s", dir)
		}
		t.Skipf("corpus not found at %s (set KALENDS_CORPUS)", dir)
	}
	return dir
}

// corpusFiles returns the corpus file names by validity.
func corpusFiles(t *testing.T, dir string) (valid, malformed []string) {
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 9 {
			continue
		}
		switch cols[8] {
		case "valid":
			valid = append(valid, cols[0])
		case "malformed":
			malformed = append(malformed, cols[0])
		}
	}
	return valid, malformed
}

// TestCorpusOverHTTP: every valid corpus file, split into one resource per
// UID as a client would, is accepted by PUT and read back semantically
// equal; every malformed file is refused with valid-calendar-data (or
// valid-calendar-object-resource) and nothing is stored.
func TestCorpusOverHTTP(t *testing.T) {
	dir := corpusDir(t)
	valid, malformed := corpusFiles(t, dir)
	ts := newTestServer(t)
	// Files repeat each other's UIDs (RFC examples): one calendar per file.
	mkcal := func(coll string) {
		ts.must(201, "alice", "MKCALENDAR", coll, `<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
		<C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/><C:comp name="VJOURNAL"/>
		<C:comp name="VFREEBUSY"/><C:comp name="VAVAILABILITY"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>`)
	}
	stored, skipped, refused := 0, 0, 0
	for i, name := range valid {
		coll := fmt.Sprintf("/dav/calendars/users/alice/corpus-%d/", i)
		mkcal(coll)
		data, err := os.ReadFile(filepath.Join(dir, "ics", name))
		if err != nil {
			t.Fatal(err)
		}
		cals, err := ical.ParseStream(data)
		if err != nil && strings.Contains(err.Error(), "not VCALENDAR") {
			// A bare component: a client importing it wraps it first.
			cals, err = ical.ParseStream(ical.WrapBareComponents(data))
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for j, c := range cals {
			parts, err := ical.SplitByUID(c)
			if err != nil {
				t.Errorf("%s: split: %v", name, err)
				continue
			}
			for k, part := range parts {
				if why := notStorable(part); why != "" {
					t.Logf("%s part %d/%d not stored by a client: %s", name, j, k, why)
					skipped++
					continue
				}
				body := ical.EncodeText(part)
				// One resource per UID: a later message for the same UID
				// (iTIP streams) updates it, as an importing client does.
				path := fmt.Sprintf("%s%x.ics", coll, sha1.Sum([]byte(partUID(part))))
				resp, msg := ts.do("alice", "PUT", path, string(body), "Content-Type", "text/calendar")
				if refusedTimezone[name] {
					if resp.StatusCode != 403 || errorCondition(t, msg) != dx.CalDAVName("valid-timezone") {
						t.Errorf("%s part %d/%d: PUT %d %s, want 403 valid-timezone", name, j, k, resp.StatusCode, msg)
					}
					refused++
					continue
				}
				if resp.StatusCode != 201 && resp.StatusCode != 204 {
					t.Errorf("%s part %d/%d: PUT %d %s", name, j, k, resp.StatusCode, msg)
					continue
				}
				_, got := ts.must(200, "alice", "GET", path, "")
				back, err := ical.Parse([]byte(got))
				if err != nil {
					t.Errorf("%s: stored object does not parse: %v", name, err)
					continue
				}
				if diff := componentDiff(part.Component, withoutAddedDTStamp(part, back).Component); diff != "" {
					t.Errorf("%s part %d/%d: read back differs: %s", name, j, k, diff)
				}
				stored++
			}
		}
	}
	t.Logf("%d valid files stored as %d resources; %d iTIP-only parts skipped; %d parts refused with valid-timezone",
		len(valid), stored, skipped, refused)
	coll := "/dav/calendars/users/alice/malformed/"
	mkcal(coll)
	for _, name := range malformed {
		data, _ := os.ReadFile(filepath.Join(dir, "ics", name))
		path := coll + "bad-" + name
		resp, body := ts.do("alice", "PUT", path, string(data), "Content-Type", "text/calendar")
		if resp.StatusCode != 403 {
			t.Errorf("%s: PUT %d, want 403", name, resp.StatusCode)
			continue
		}
		if c := errorCondition(t, body); c != condValidCalendarData && c != condValidCalendarObject {
			t.Errorf("%s: condition %v", name, c)
		}
		if !strings.Contains(body, "message") {
			t.Errorf("%s: no reason given: %s", name, body)
		}
		ts.must(404, "alice", "GET", path, "")
	}
}

// partUID is the UID of a split part.
func partUID(part *goical.Calendar) string {
	for _, c := range part.Children {
		if p := c.Props.Get("UID"); p != nil {
			return p.Value
		}
	}
	return ""
}

// notStorable says why a split part is not a calendar object a client
// would store: iTIP replies, cancellations and refreshes carry a VEVENT
// without DTSTART, and published free-busy may have no UID (RFC 5546 §3.2);
// RFC 5545 §3.6.1 and RFC 4791 §4.1 require both of a stored object.
func notStorable(part *goical.Calendar) string {
	for _, c := range part.Children {
		if c.Name == "VTIMEZONE" {
			continue
		}
		if c.Props.Get("UID") == nil {
			return c.Name + " without UID"
		}
		if c.Name == "VEVENT" && c.Props.Get("DTSTART") == nil {
			return "VEVENT without DTSTART (an iTIP message)"
		}
	}
	return ""
}

// refusedTimezone are the valid corpus files (khal's fixtures for unknown
// zones) whose TZID names no zone and has no VTIMEZONE: refused with
// valid-timezone (RFC 7809), as ical/resource_test.go's refusedValid says.
var refusedTimezone = map[string]bool{
	"khal__event_dt_local_missing_tz.ics":       true,
	"khal__event_dtr_no_tz_exdatez.ics":         true,
	"khal__event_rrule_recuid_invalid_tzid.ics": true,
}

// withoutAddedDTStamp returns back without the DTSTAMPs the server added
// (ical.RepairText) to the components of sent that had none.
func withoutAddedDTStamp(sent, back *goical.Calendar) *goical.Calendar {
	key := func(c *goical.Component) string {
		k := c.Name
		for _, name := range []string{"UID", "RECURRENCE-ID"} {
			if p := c.Props.Get(name); p != nil {
				k += "\x00" + p.Value
			}
		}
		return k
	}
	stampless := map[string]bool{}
	for _, c := range sent.Children {
		stampless[key(c)] = c.Props.Get("DTSTAMP") == nil
	}
	out := &goical.Calendar{Component: &goical.Component{Name: back.Name, Props: back.Props}}
	for _, c := range back.Children {
		if stampless[key(c)] {
			props := goical.Props{}
			for name, list := range c.Props {
				if name != "DTSTAMP" {
					props[name] = list
				}
			}
			c = &goical.Component{Name: c.Name, Props: props, Children: c.Children}
		}
		out.Children = append(out.Children, c)
	}
	return out
}

// componentDiff compares two components by name, properties (values and
// parameters, order aside) and children; "" when equal. VTIMEZONEs the
// server added (RFC 7809) are ignored in got.
func componentDiff(want, got *goical.Component) string {
	if want.Name != got.Name {
		return fmt.Sprintf("component %s vs %s", want.Name, got.Name)
	}
	if !reflect.DeepEqual(normProps(want.Props), normProps(got.Props)) {
		return fmt.Sprintf("%s properties differ", want.Name)
	}
	var gotChildren []*goical.Component
	for _, c := range got.Children {
		if c.Name == "VTIMEZONE" && !hasTimezone(want, c.Props.Get("TZID").Value) {
			continue
		}
		gotChildren = append(gotChildren, c)
	}
	if len(want.Children) != len(gotChildren) {
		return fmt.Sprintf("%s has %d children, read back %d", want.Name, len(want.Children), len(gotChildren))
	}
	for i := range want.Children {
		if d := componentDiff(want.Children[i], gotChildren[i]); d != "" {
			return d
		}
	}
	return ""
}

func hasTimezone(c *goical.Component, tzid string) bool {
	for _, ch := range c.Children {
		if ch.Name == "VTIMEZONE" && ch.Props.Get("TZID").Value == tzid {
			return true
		}
	}
	return false
}

func normProps(ps goical.Props) []string {
	var out []string
	for name, list := range ps {
		for _, p := range list {
			var params []string
			for k, v := range p.Params {
				params = append(params, k+"="+strings.Join(v, ","))
			}
			sort.Strings(params)
			out = append(out, name+";"+strings.Join(params, ";")+":"+p.Value)
		}
	}
	sort.Strings(out)
	return out
}
