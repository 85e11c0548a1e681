package ical

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
func TestCorpusValid(t *testing.T) {
	dir := corpusDir(t)
	files, resources, skipped, rejected := 0, 0, 0, 0
	window0 := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	window1 := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, row := range readManifest(t, dir) {
		if row.validity != "valid" {
			continue
		}
		files++
		data, err := os.ReadFile(filepath.Join(dir, "ics", row.file))
		if err != nil {
			t.Fatal(err)
		}
		cals, err := ParseStream(data)
		if err != nil && strings.Contains(err.Error(), "top-level component") {
			// Bare components (library fixtures): an importer wraps them
			// in a VCALENDAR; Parse itself insists on one.
			cals, err = ParseStream(wrapBare(data))
		}
		if why, ok := strictRejects[row.file]; ok {
			var e *Error
			if !errors.As(err, &e) || e.Line == 0 {
				t.Errorf("%s: expected a diagnostic with a line number (%s), got %v", row.file, why, err)
			}
			rejected++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", row.file, err)
			continue
		}
		for _, cal := range cals {
			parts, err := SplitByUID(cal)
			if err != nil {
				t.Errorf("%s: split: %v", row.file, err)
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
				info, err := Inspect(part, Options{})
				if err != nil {
					t.Errorf("%s: Inspect: %v", row.file, err)
					continue
				}
				if info.UID == "" {
					t.Errorf("%s: no UID in Info", row.file)
				}
				start := time.Now()
				if _, err := Expand(part, window0, window1, Options{}); err != nil {
					t.Errorf("%s: Expand: %v", row.file, err)
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("%s: Expand took %v", row.file, d)
				}
			}
		}
	}
	t.Logf("valid corpus: %d files, %d rejected with a diagnostic, %d resources inspected, %d iTIP-only parts skipped",
		files, rejected, resources, skipped)
}

// strictRejects are "valid" corpus files that Parse refuses. The corpus
// allows a server to "accept leniently, or reject with a precise
// diagnostic"; these are broken at the syntax or value level (the same
// kind of defect as files the corpus marks malformed), so Parse rejects
// them with a line number instead of guessing.
var strictRejects = map[string]string{
	"prie__issue_201_test_matrix.ics":                  "END:VTOOD closes VTODO",
	"prie__issue_61_time_zone_error.ics":               "folded line without leading space (Confluence)",
	"icalendar__issue_348_exception_parsing_value.ics": "content line without colon",
	"icalendar__issue_350.ics":                         "property after END:VCALENDAR",
	"icalendar__multiple_calendar_components.ics":      "content line without colon (VERSION)",
	"icalendar__rfc_7529.ics":                          "RSCALE=CHINESE is not supported (RFC 7529)",
	"icalendar__timezone_rdate.ics":                    "content line without colon (SUMMARY=...)",
	"icaljs__google_birthday.ics":                      "DATE value with a Z suffix",
	"libical__incoming.ics":                            "date-time with a five-digit time",
	"libical__restriction.ics":                         "date-time with a four-digit time",
	"khal__invalid_tzoffset.ics":                       "UTC offset +5328 (hours > 23)",
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
		cal, err := Parse(data)
		if err == nil {
			_, err = Inspect(cal, Options{})
		}
		var e *Error
		if !errors.As(err, &e) || e.Reason == "" {
			t.Errorf("%s (%s): accepted or no reason: %v", row.file, row.notes, err)
			continue
		}
		t.Logf("%s: %s [%s line %d]", row.file, e.Reason, e.Condition, e.Line)
	}
	t.Logf("malformed corpus: %d files rejected", n)
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

// wrapBare wraps every top-level component other than VCALENDAR in its own
// VCALENDAR, as an importer given library fixtures would.
func wrapBare(data []byte) []byte {
	var b strings.Builder
	depth, wrapped := 0, false
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		u := strings.ToUpper(strings.TrimSpace(line))
		if strings.HasPrefix(u, "BEGIN:") {
			if depth == 0 && u != "BEGIN:VCALENDAR" {
				b.WriteString("BEGIN:VCALENDAR\n")
				wrapped = true
			}
			depth++
		}
		b.WriteString(line + "\n")
		if strings.HasPrefix(u, "END:") {
			depth--
			if depth == 0 && wrapped {
				b.WriteString("END:VCALENDAR\n")
				wrapped = false
			}
		}
	}
	return []byte(b.String())
}
