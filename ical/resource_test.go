package ical

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

type manifestRow struct {
	file, features, validity, notes string
}

func readManifest(t *testing.T, dir string) []manifestRow {
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 10 {
			continue
		}
		rows = append(rows, manifestRow{cols[0], cols[7], cols[8], cols[9]})
	}
	return rows
}

// TestCorpusValid splits every valid corpus file into one resource per UID
// as a client uploading it would (SplitByUID drops METHOD, so iTIP
// messages become resources too), then requires Parse+Inspect of each
// resource to succeed and Expand over a wide window not to fail.
//
// Components without UID (hand-written fixtures) get one assigned first,
// as importing clients do. Parts holding a VEVENT without DTSTART are not
// resources and are skipped with a logged reason: only iTIP messages
// (CANCEL, REPLY, REFRESH...) and property-syntax fixtures carry those,
// and RFC 5545 §3.6.1 requires DTSTART outside iTIP.
//
// Files in lenientRepairs must also produce the warnings named there;
// warnings of the other files are logged. Files in refusedValid must be
// refused with the condition named there.
func TestCorpusValid(t *testing.T) {
	dir := corpusDir(t)
	files, accepted, repaired, resources, skipped := 0, 0, 0, 0, 0
	window0 := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	window1 := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for _, row := range readManifest(t, dir) {
		if row.validity != "valid" {
			continue
		}
		files++
		data, err := os.ReadFile(filepath.Join(dir, "ics", row.file))
		if err != nil {
			t.Fatal(err)
		}
		cals, warns, err := ParseStreamWithWarnings(data)
		if err != nil && strings.Contains(err.Error(), "top-level component") {
			// Bare components (library fixtures): an importer wraps them
			// in a VCALENDAR; Parse itself insists on one.
			cals, warns, err = ParseStreamWithWarnings(WrapBareComponents(data))
		}
		if err != nil {
			t.Errorf("%s: %v", row.file, err)
			continue
		}
		if wants, ok := lenientRepairs[row.file]; ok {
			seen[row.file] = true
			repaired++
			for _, want := range wants {
				if !hasWarning(warns, want) {
					t.Errorf("%s: accepted without a warning containing %q; got %v", row.file, want, warns)
				}
			}
		}
		for _, w := range warns {
			t.Logf("%s: repaired: %s", row.file, w)
		}
		ok := true
		for _, cal := range cals {
			parts, err := SplitByUID(cal)
			if err != nil {
				t.Errorf("%s: split: %v", row.file, err)
				ok = false
				continue
			}
			for _, part := range parts {
				if why := notAResource(part); why != "" {
					skipped++
					t.Logf("%s: part skipped: %s", row.file, why)
					continue
				}
				part = withUID(part, row.file, resources)
				resources++
				info, err := Inspect(part, Options{Deadline: testDeadline})
				if cond, refused := refusedValid[row.file]; refused {
					var e *Error
					if !errors.As(err, &e) || e.Condition != cond {
						t.Errorf("%s: want a refusal with %s, got %v", row.file, cond, err)
					}
					seen[row.file] = true
					ok = false
					continue
				}
				if err != nil {
					t.Errorf("%s: Inspect: %v", row.file, err)
					ok = false
					continue
				}
				if info.UID == "" {
					t.Errorf("%s: no UID in Info", row.file)
				}
				if _, err := Expand(part, window0, window1, Options{Deadline: testDeadline}); err != nil {
					t.Errorf("%s: Expand: %v", row.file, err)
					ok = false
				}
				// InspectExpand answers as Inspect and Expand do apart.
				horizon := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
				wantIns, wantErr := Expand(part, time.Time{}, horizon, Options{Deadline: testDeadline})
				gotInfo, gotIns, gotErr := InspectExpand(part, horizon, Options{Deadline: testDeadline})
				if (wantErr == nil) != (gotErr == nil) || !reflect.DeepEqual(info, gotInfo) || !sameInstances(wantIns, gotIns) {
					t.Errorf("%s: InspectExpand differs from Inspect+Expand (%d vs %d instances, %v vs %v)",
						row.file, len(gotIns), len(wantIns), gotErr, wantErr)
				}
			}
		}
		if ok {
			accepted++
		}
	}
	for f := range lenientRepairs {
		if !seen[f] {
			t.Errorf("%s: listed in lenientRepairs but not a valid corpus file", f)
		}
	}
	for f := range refusedValid {
		if !seen[f] {
			t.Errorf("%s: listed in refusedValid but not a valid corpus resource", f)
		}
	}
	t.Logf("valid corpus: %d/%d files accepted (%d of them repaired with warnings), %d resources inspected, %d iTIP-only parts skipped",
		accepted, files, repaired, resources, skipped)
}

// lenientRepairs are the valid corpus files that Parse accepts only by
// repairing a producer defect (see ParseWithWarnings), each with a text
// the warning for that repair must contain. The corpus wants them
// accepted; the warning is what lets a server log what it fixed.
var lenientRepairs = map[string][]string{
	"prie__issue_201_test_matrix.ics":                  {"END:VTOOD read as END:VTODO"},
	"prie__issue_61_time_zone_error.ics":               {"without leading space read as the continuation"},
	"icalendar__issue_348_exception_parsing_value.ics": {"ORGANIZER has parameters but no colon"},
	"icalendar__issue_350.ics":                         {"X-COMMENT after END:VCALENDAR ignored", `DESCRIPTION: \" is not an iCalendar escape`},
	"icalendar__multiple_calendar_components.ics":      {"empty line inside a folded content line"},
	"icalendar__rfc_7529.ics":                          {"RSCALE=CHINESE (RFC 7529), which is not supported"},
	"icalendar__timezone_rdate.ics":                    {"\"SUMMARY=testevent\" has \"=\" instead of a colon"},
	"icaljs__google_birthday.ics":                      {"RDATE value 20131210Z is a DATE with a Z suffix"},
	"libical__incoming.ics":                            {"DTEND value 19970701T10300Z has a 5-digit time"},
	"libical__restriction.ics":                         {"DTSTAMP value 19970901T1300Z has a 4-digit time"},
	"khal__invalid_tzoffset.ics":                       {"TZOFFSETFROM +5328 is out of range"},
}

// refusedValid are valid corpus files a strict server may refuse "with a
// precise diagnostic" (the corpus README), each with the condition it is
// refused with. They are khal's fixtures for unknown zones: a TZID that
// names no zone and has no VTIMEZONE is refused with valid-timezone (RFC
// 7809) rather than guessed to be floating time; no real producer in the
// corpus writes one.
var refusedValid = map[string]string{
	"khal__event_dt_local_missing_tz.ics":       CondValidTimezone,
	"khal__event_dtr_no_tz_exdatez.ics":         CondValidTimezone,
	"khal__event_rrule_recuid_invalid_tzid.ics": CondValidTimezone,
}

func hasWarning(warns []Warning, text string) bool {
	for _, w := range warns {
		if strings.Contains(w.Reason, text) && w.Line > 0 {
			return true
		}
	}
	return false
}

// notAResource explains why a split part cannot be stored as a resource.
func notAResource(cal *goical.Calendar) string {
	for _, comp := range cal.Children {
		switch {
		case !isSchedulable(comp.Name):
		case comp.Name == "VEVENT" && comp.Props.Get("DTSTART") == nil:
			return "VEVENT without DTSTART"
		}
	}
	return ""
}

// TestCorpusMalformed requires every malformed corpus file to fail Parse
// (or, for syntactically fine files, Inspect) with an *Error that says why.
func TestCorpusMalformed(t *testing.T) {
	dir := corpusDir(t)
	n := 0
	for _, row := range readManifest(t, dir) {
		if row.validity != "malformed" {
			continue
		}
		n++
		data, err := os.ReadFile(filepath.Join(dir, "ics", row.file))
		if err != nil {
			t.Fatal(err)
		}
		cal, warns, err := ParseWithWarnings(data)
		if err == nil {
			_, err = Inspect(cal, Options{Deadline: testDeadline})
		}
		var e *Error
		if !errors.As(err, &e) || e.Reason == "" {
			t.Errorf("%s (%s): accepted or no reason: %v", row.file, row.notes, err)
			continue
		}
		if want, ok := malformedRepairs[row.file]; ok && !hasWarning(warns, want) {
			t.Errorf("%s: the defect the corpus names was not reported: want a warning containing %q, got %v", row.file, want, warns)
		}
		t.Logf("%s: %s [%s line %d] (repairs tried: %v)", row.file, e.Reason, e.Condition, e.Line, warns)
	}
	t.Logf("malformed corpus: %d files rejected", n)
}

// malformedRepairs are malformed corpus files whose named defect is one
// Parse repairs, because valid files have it too, so that the rejection
// comes from another defect; the repair must still be reported.
// icaljs__blank_line_mid.ics has an empty line inside VCALENDAR, as six
// valid files (Exchange-style exports) do; it is rejected because it holds
// no component.
var malformedRepairs = map[string]string{
	"icaljs__blank_line_mid.ics": "empty line inside VCALENDAR ignored",
}

// withUID returns part with a UID added to components lacking one.
func withUID(part *goical.Calendar, file string, n int) *goical.Calendar {
	for i, comp := range part.Children {
		if isSchedulable(comp.Name) && comp.Props.Get("UID") == nil {
			c := cloneComponent(comp)
			c.Props.SetText("UID", fmt.Sprintf("%s-%d", file, n))
			part.Children[i] = c
		}
	}
	return part
}

// sameInstances compares occurrences by value, the component pointers
// included (both come from the same parsed calendar).
func sameInstances(a, b []Instance) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}
