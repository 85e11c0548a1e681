package ical

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	goical "github.com/emersion/go-ical"
)

// streamObjects indexes data and reads every object back.
func streamObjects(t *testing.T, data string) (*StreamIndex, []*ObjectText) {
	t.Helper()
	ix, err := IndexStream(strings.NewReader(data))
	if err != nil {
		t.Fatalf("IndexStream: %v", err)
	}
	var out []*ObjectText
	for _, o := range ix.Objects {
		text, err := ix.ReadObject(strings.NewReader(data), o)
		if err != nil {
			t.Fatalf("ReadObject %s: %v", o.UID, err)
		}
		out = append(out, text)
	}
	return ix, out
}

const tzBerlin = "BEGIN:VTIMEZONE\nTZID:Europe/Berlin\nBEGIN:STANDARD\nDTSTART:19701025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"

// TestIndexStreamGroupsByUID: an override far from its master joins it,
// the VTIMEZONE it references comes along, METHOD is left out, and the
// higher SEQUENCE of two versions of one occurrence wins.
func TestIndexStreamGroupsByUID(t *testing.T) {
	data := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//y//EN\nMETHOD:PUBLISH\n" + tzBerlin +
		"BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART;TZID=Europe/Berlin:20260105T100000\nRRULE:FREQ=DAILY;COUNT=5\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:b\nSEQUENCE:2\nDTSTAMP:20260101T000000Z\nDTSTART:20260105T100000Z\nSUMMARY:b2\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:b\nSEQUENCE:1\nDTSTAMP:20260101T000000Z\nDTSTART:20260105T100000Z\nSUMMARY:b1\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:a\nRECURRENCE-ID;TZID=Europe/Berlin:20260107T100000\nDTSTAMP:20260101T000000Z\n" +
		"DTSTART;TZID=Europe/Berlin:20260107T120000\nEND:VEVENT\nEND:VCALENDAR\n"
	ix, texts := streamObjects(t, data)
	if len(ix.Objects) != 2 || ix.Objects[0].UID != "a" || ix.Objects[1].UID != "b" {
		t.Fatalf("objects: %+v", ix.Objects)
	}
	if ix.Objects[0].Line != 13 || ix.Objects[1].Line != 19 {
		t.Fatalf("lines %d %d", ix.Objects[0].Line, ix.Objects[1].Line)
	}
	a, err := Parse(texts[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range a.Children {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"VTIMEZONE", "VEVENT", "VEVENT"}) || a.Props.Get("METHOD") != nil {
		t.Fatalf("object a: %v\n%s", names, texts[0].Data)
	}
	if !strings.HasPrefix(string(texts[0].Data), "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VTIMEZONE\r\n") {
		t.Fatalf("object a text:\n%s", texts[0].Data)
	}
	b, err := Parse(texts[1].Data)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Children) != 1 || b.Children[0].Props.Get("SUMMARY").Value != "b2" {
		t.Fatalf("object b keeps the higher SEQUENCE:\n%s", texts[1].Data)
	}
	// Line mapping: the override's DTSTART is line 37 of the stream.
	for n, line := range strings.Split(string(texts[0].Data), "\r\n") {
		if strings.HasPrefix(line, "DTSTART;TZID=Europe/Berlin:20260107T120000") {
			if got := texts[0].SourceLine(n + 1); got != 37 {
				t.Fatalf("SourceLine = %d, want 37", got)
			}
		}
	}
}

// TestIndexStreamZonesPerCalendar: each object gets the VTIMEZONE of the
// VCALENDAR it came from, even when two define the same TZID.
func TestIndexStreamZonesPerCalendar(t *testing.T) {
	cal := func(uid, offset string) string {
		return "BEGIN:VCALENDAR\r\nPRODID:p\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Custom\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n" +
			"TZOFFSETFROM:" + offset + "\r\nTZOFFSETTO:" + offset + "\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:" + uid +
			"\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=\"Custom\":20260101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	_, texts := streamObjects(t, cal("x", "+0300")+cal("y", "-0500"))
	if len(texts) != 2 || !strings.Contains(string(texts[0].Data), "+0300") || strings.Contains(string(texts[0].Data), "-0500") ||
		!strings.Contains(string(texts[1].Data), "-0500") {
		t.Fatalf("zones not taken from each object's VCALENDAR:\n%s\n%s", texts[0].Data, texts[1].Data)
	}
}

// TestIndexStreamBroken: a component without END, a truncated last
// VCALENDAR and stray ENDs are pinned to their lines; the intact objects
// around them are not affected.
func TestIndexStreamBroken(t *testing.T) {
	data := "BEGIN:VCALENDAR\nVERSION:2.0\n" +
		"BEGIN:VEVENT\nUID:open\nDTSTART:20260101T100000Z\n" + // line 3: no END
		"BEGIN:VEVENT\nUID:ok1\nDTSTAMP:20260101T000000Z\nDTSTART:20260101T100000Z\nEND:VEVENT\n" +
		"END:VTODO\n" + // line 11: stray
		"END:VCALENDAR\n" +
		"BEGIN:VCALENDAR\nVERSION:2.0\n" + // line 13: not closed
		"BEGIN:VEVENT\nUID:cut\nDTSTAMP:20260101T000000Z\nDTSTART:20260101T100000Z\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:half\n"
	ix, err := IndexStream(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range ix.Objects {
		got[o.UID] = ""
		if o.Err != nil {
			got[o.UID] = o.Err.Error()
		}
	}
	want := map[string]string{
		"open": "ical: VEVENT beginning on line 3 has no END:VEVENT (line 3)",
		"ok1":  "",
		"cut":  "ical: the VCALENDAR beginning on line 13 is not closed before line 22 (truncated?) (line 15)",
		"half": "ical: VEVENT beginning on line 20 has no END:VEVENT (line 20)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("objects:\n%v\nwant\n%v", got, want)
	}
	if len(ix.Problems) != 1 || ix.Problems[0].Line != 11 {
		t.Fatalf("problems: %v", ix.Problems)
	}
}

// TestIndexStreamNotICalendar: text, a vCard or an empty stream is
// refused as a whole.
func TestIndexStreamNotICalendar(t *testing.T) {
	for _, data := range []string{
		"hello, world\n",
		"BEGIN:VCARD\nVERSION:4.0\nFN:Alice\nEND:VCARD\n",
		"",
		"\n\n",
		"\x00\x01\x02binary",
	} {
		_, err := IndexStream(strings.NewReader(data))
		var ie *Error
		if !errors.As(err, &ie) || ie.Condition != CondValidData {
			t.Errorf("%q: err %v, want a valid-calendar-data error", data, err)
		}
	}
}

// TestIndexStreamLongLines: a line longer than the reader's buffer and a
// folded UID are read correctly, and the object is copied whole.
func TestIndexStreamLongLines(t *testing.T) {
	long := strings.Repeat("x", 300<<10)
	data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:folded-\r\n uid\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:20260101T100000Z\r\nDESCRIPTION:" + long + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	ix, texts := streamObjects(t, data)
	if len(ix.Objects) != 1 || ix.Objects[0].UID != "folded-uid" {
		t.Fatalf("objects: %+v", ix.Objects)
	}
	c, err := Parse(texts[0].Data)
	if err != nil || c.Children[0].Props.Get("DESCRIPTION").Value != long {
		t.Fatalf("long DESCRIPTION not kept: %v", err)
	}
	if ix.Bytes != int64(len(data)) || ix.Lines != 10 {
		t.Fatalf("bytes %d lines %d", ix.Bytes, ix.Lines)
	}
}

// TestIndexStreamCorpus checks IndexStream against the in-memory
// reference, ParseStream + SplitByUID: for every valid corpus file the
// objects are the same UIDs with the same components (VTIMEZONEs
// compared by TZID), and each object read back parses.
func TestIndexStreamCorpus(t *testing.T) {
	dir := corpusDir(t)
	checked := 0
	for _, row := range readManifest(t, dir) {
		if row.validity != "valid" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, "ics", row.file))
		if err != nil {
			t.Fatal(err)
		}
		want, err := referenceSplit(data)
		if err != nil {
			t.Errorf("%s: reference: %v", row.file, err)
			continue
		}
		ix, err := IndexStream(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", row.file, err)
			continue
		}
		if len(ix.Objects) != len(want) {
			t.Errorf("%s: %d objects, reference %d", row.file, len(ix.Objects), len(want))
			continue
		}
		uids := map[string]bool{}
		for i, o := range ix.Objects {
			// A second object of a UID (a VTODO sharing a VEVENT's UID)
			// cannot be stored beside the first: it is rejected.
			if dup := o.UID != "" && uids[o.UID]; dup != (o.Err != nil && o.Err.Condition == CondValidObject) {
				t.Errorf("%s: object %q: err %v, UID seen before: %v", row.file, o.UID, o.Err, dup)
			} else if !dup && o.Err != nil {
				t.Errorf("%s: object %q: %v", row.file, o.UID, o.Err)
			}
			uids[o.UID] = true
			text, err := ix.ReadObject(bytes.NewReader(data), o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(text.Data)
			if err != nil {
				t.Errorf("%s: object %q does not parse: %v\n%s", row.file, o.UID, err, text.Data)
				continue
			}
			if o.UIDDerived {
				// The reference has no UID; IndexStream wrote the derived one.
				if uid := got.Children[len(got.Children)-1].Props.Get("UID"); uid == nil || uid.Value != o.UID {
					t.Errorf("%s: object %d: derived UID %q not written", row.file, i, o.UID)
				}
				got.Children[len(got.Children)-1].Props.Del("UID")
			}
			if d := sameObject(want[i], got); d != "" {
				t.Errorf("%s: object %d (%q): %s", row.file, i, o.UID, d)
			}
		}
		checked++
	}
	t.Logf("%d valid files indexed like SplitByUID splits them", checked)
}

// referenceSplit is what IndexStream must find: all VCALENDARs of a
// stream (bare components wrapped) merged into one, split by UID.
func referenceSplit(data []byte) ([]*goical.Calendar, error) {
	cals, err := ParseStream(data)
	if err != nil && strings.Contains(err.Error(), "not VCALENDAR") {
		cals, err = ParseStream(WrapBareComponents(data))
	}
	if err != nil {
		return nil, err
	}
	all := &goical.Calendar{Component: goical.NewComponent("VCALENDAR")}
	for _, c := range cals {
		all.Children = append(all.Children, c.Children...)
	}
	return SplitByUID(all)
}

// sameObject compares the non-VTIMEZONE components of two objects, and
// their VTIMEZONEs by TZID; "" when equal.
func sameObject(want, got *goical.Calendar) string {
	split := func(c *goical.Calendar) (comps []*goical.Component, tzids []string) {
		for _, ch := range c.Children {
			if ch.Name == "VTIMEZONE" {
				tzids = append(tzids, ch.Props.Get("TZID").Value)
			} else {
				comps = append(comps, ch)
			}
		}
		sort.Strings(tzids)
		return comps, tzids
	}
	wc, wz := split(want)
	gc, gz := split(got)
	if !reflect.DeepEqual(wz, gz) {
		return "VTIMEZONEs " + strings.Join(gz, ",") + ", want " + strings.Join(wz, ",")
	}
	if len(wc) != len(gc) {
		return "component count differs"
	}
	for i := range wc {
		if !reflect.DeepEqual(wc[i], gc[i]) {
			return wc[i].Name + " differs"
		}
	}
	return ""
}

// TestIndexStreamDerivedUID: components without UID get one from their
// content, the same on every reading, distinct for identical copies.
func TestIndexStreamDerivedUID(t *testing.T) {
	ev := "BEGIN:VEVENT\nDTSTAMP:20260101T000000Z\nDTSTART:20260101T100000Z\nSUMMARY:same\nEND:VEVENT\n"
	other := strings.Replace(ev, "same", "other", 1)
	data := "BEGIN:VCALENDAR\nVERSION:2.0\n" + ev + ev + other + "END:VCALENDAR\n"
	uids := func() []string {
		ix, texts := streamObjects(t, data)
		var out []string
		for i, o := range ix.Objects {
			c, err := Parse(texts[i].Data)
			if err != nil || !o.UIDDerived || c.Children[0].Props.Get("UID").Value != o.UID {
				t.Fatalf("object %d: %v %+v\n%s", i, err, o, texts[i].Data)
			}
			out = append(out, o.UID)
		}
		return out
	}
	first, again := uids(), uids()
	if !reflect.DeepEqual(first, again) || len(first) != 3 || first[1] != first[0]+"-2" || first[2] == first[0] ||
		!strings.HasPrefix(first[0], "import-") {
		t.Fatalf("derived UIDs %v, again %v", first, again)
	}
}

// TestIndexStreamCalendarProblems: an empty VCALENDAR and a component out
// of place are warned about, a broken VTIMEZONE no object uses is a
// problem, all with their lines; a broken VTIMEZONE an object uses is
// left to that object, whose parse fails on the zone's line.
func TestIndexStreamCalendarProblems(t *testing.T) {
	badZone := func(tzid string) string {
		return "BEGIN:VTIMEZONE\nTZID:" + tzid + "\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+9999\nEND:STANDARD\nEND:VTIMEZONE\n"
	}
	data := "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n" + // 1-3: empty
		"BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:DAYLIGHT\nEND:DAYLIGHT\n" + // 6: out of place
		badZone("Unused") + // 8-15, TZOFFSETTO on 13
		badZone("Used") + // 16-23
		"BEGIN:VEVENT\nUID:e\nDTSTAMP:20260101T000000Z\nDTSTART;TZID=Used:20260101T100000\nEND:VEVENT\nEND:VCALENDAR\n"
	ix, err := IndexStream(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var warns []string
	for _, w := range ix.Warnings {
		warns = append(warns, w.String())
	}
	want := []string{
		"line 1: the VCALENDAR beginning on line 1 holds no component: nothing to import",
		"line 6: DAYLIGHT cannot stand directly in a VCALENDAR; ignored",
	}
	if !reflect.DeepEqual(warns, want) {
		t.Fatalf("warnings:\n%s", strings.Join(warns, "\n"))
	}
	if len(ix.Problems) != 1 || !strings.Contains(ix.Problems[0].Reason, "VTIMEZONE Unused: TZOFFSETTO") || ix.Problems[0].Line != 13 {
		t.Fatalf("problems: %v", ix.Problems)
	}
	text, err := ix.ReadObject(strings.NewReader(data), ix.Objects[0])
	if err != nil {
		t.Fatal(err)
	}
	var ie *Error
	if _, err := Parse(text.Data); !errors.As(err, &ie) || text.SourceLine(ie.Line) != 21 {
		t.Fatalf("object using the broken zone: %v (line %d)", err, text.SourceLine(ie.Line))
	}
}
