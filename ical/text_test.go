package ical

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// outline describes a Doc's tree: "NAME(PROP,PROP){CHILD…}" per component.
func outline(d *Doc) string {
	var b strings.Builder
	var comp func(c *Comp)
	comp = func(c *Comp) {
		b.WriteString(c.Name + "(")
		for i, l := range c.Props() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(l.Name())
		}
		b.WriteString(")")
		if kids := c.Components(); len(kids) > 0 {
			b.WriteString("{")
			for _, k := range kids {
				comp(k)
			}
			b.WriteString("}")
		}
	}
	for _, c := range d.Components() {
		comp(c)
	}
	return b.String()
}

const (
	textEvent = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Hi\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	textZone  = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\nUID:2\r\nDTSTART;TZID=Europe/Berlin:20270104T100000\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)

// TestParseTextRoundTrip: whatever the text, writing it back unchanged
// gives the same bytes, and the tree and values read are those the text
// means (unfolded, names in upper case, quotes honoured).
func TestParseTextRoundTrip(t *testing.T) {
	tests := []struct {
		name, in, tree string
		check          func(t *testing.T, d *Doc)
	}{
		{"CRLF", textEvent, "VCALENDAR(VERSION,PRODID){VEVENT(UID,SUMMARY)}", nil},
		{"bare LF", strings.ReplaceAll(textEvent, "\r\n", "\n"), "VCALENDAR(VERSION,PRODID){VEVENT(UID,SUMMARY)}", nil},
		{"mixed endings, no final newline",
			"BEGIN:VCALENDAR\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\nEND:VEVENT\r\nEND:VCALENDAR",
			"VCALENDAR(VERSION){VEVENT(UID)}", func(t *testing.T, d *Doc) {
				if eol := d.Calendar().end.EOL(); eol != "" {
					t.Errorf("last line ending %q", eol)
				}
			}},
		{"BOM", utf8BOM + textEvent, "VCALENDAR(VERSION,PRODID){VEVENT(UID,SUMMARY)}", func(t *testing.T, d *Doc) {
			if !d.HasBOM() || d.Calendar() == nil || d.Calendar().begin.No != 1 {
				t.Error("BOM not recognised before BEGIN:VCALENDAR")
			}
		}},
		{"lower and mixed case",
			"begin:vcalendar\r\nVersion:2.0\r\nBegin:VEvent\r\nuid:1\r\nsummary;language=en:Hi\r\nend:vevent\r\nEnd:VCalendar\r\n",
			"VCALENDAR(VERSION){VEVENT(UID,SUMMARY)}", func(t *testing.T, d *Doc) {
				ev := d.Calendar().Components()[0]
				if ev.PropValue("Summary") != "Hi" || ev.Prop("SUMMARY").Param("LANGUAGE") != "en" {
					t.Errorf("summary %q", ev.Prop("summary").Text())
				}
			}},
		{"folded CRLF, LF and tab, inside a parameter and a UTF-8 sequence",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:caf\xc3\r\n \xa9 au\n\tlait\r\nATTENDEE;CN=\"Da\r\n ve: x\";PART\n STAT=ACCEPTED:mailto:d@\r\n x.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			"VCALENDAR(){VEVENT(SUMMARY,ATTENDEE)}", func(t *testing.T, d *Doc) {
				ev := d.Calendar().Components()[0]
				if v := ev.PropValue("SUMMARY"); v != "café aulait" {
					t.Errorf("SUMMARY %q", v)
				}
				a := ev.Prop("ATTENDEE")
				if a.Param("cn") != "Dave: x" || a.Param("PARTSTAT") != "ACCEPTED" || a.Value() != "mailto:d@x.example" {
					t.Errorf("ATTENDEE %q", a.Text())
				}
			}},
		{"quoted parameters with : ; ,",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nORGANIZER;CN=\"A: b; c, d\";SENT-BY=\"mailto:x@y\":mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			"VCALENDAR(){VEVENT(ORGANIZER)}", func(t *testing.T, d *Doc) {
				o := d.Calendar().Components()[0].Prop("ORGANIZER")
				if o.Param("CN") != "A: b; c, d" || o.Param("SENT-BY") != "mailto:x@y" || o.Value() != "mailto:a@b" {
					t.Errorf("ORGANIZER %q", o.Text())
				}
			}},
		{"nested VALARM, VTIMEZONE with STANDARD and DAYLIGHT", textZone,
			"VCALENDAR(VERSION){VTIMEZONE(TZID){STANDARD(DTSTART,TZOFFSETFROM,TZOFFSETTO)DAYLIGHT(DTSTART,TZOFFSETFROM,TZOFFSETTO)}" +
				"VEVENT(UID,DTSTART){VALARM(ACTION,TRIGGER)}}", func(t *testing.T, d *Doc) {
				comps := d.Calendar().Components()
				if comps[0].PropValue("TZID") != "Europe/Berlin" || comps[1].Prop("DTSTART").Param("TZID") != "Europe/Berlin" {
					t.Error("TZID not read")
				}
				alarm := comps[1].Components()[0]
				if alarm.Parent() != comps[1] || comps[1].Parent() != d.Calendar() || d.Calendar().Parent() != nil {
					t.Error("parents wrong")
				}
				if got := string(alarm.Bytes()); got != "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n" {
					t.Errorf("VALARM bytes %q", got)
				}
			}},
		{"empty lines, also inside a fold",
			"\r\nBEGIN:VCALENDAR\r\n\r\nBEGIN:VEVENT\r\nSUMMARY:a\r\n\r\n b\r\n\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n\r\n",
			"VCALENDAR(){VEVENT(SUMMARY)}", func(t *testing.T, d *Doc) {
				if v := d.Calendar().Components()[0].PropValue("SUMMARY"); v != "ab" {
					t.Errorf("SUMMARY %q", v)
				}
			}},
		{"fold that lost its space (Confluence)",
			"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=Pau\r\nl Latham:mailto:p@x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			"VCALENDAR(){VEVENT(ATTENDEE)}", func(t *testing.T, d *Doc) {
				if a := d.Calendar().Components()[0].Prop("ATTENDEE"); a.Param("CN") != "Paul Latham" {
					t.Errorf("ATTENDEE %q", a.Text())
				}
			}},
		{"several calendars and a bare component",
			"BEGIN:VCALENDAR\nEND:VCALENDAR\nBEGIN:VEVENT\nUID:x\nEND:VEVENT\nBEGIN:VCALENDAR\nBEGIN:VTODO\nEND:VTODO\nEND:VCALENDAR\n",
			"VCALENDAR()VEVENT(UID)VCALENDAR(){VTODO()}", nil},
		{"broken: stray lines, END without BEGIN, typo, unclosed",
			"X-JUNK:1\nEND:VEVENT\nBEGIN:VCALENDAR\nBEGIN:VTODO\nEND:VTOOD\nBEGIN:VEVENT\nBEGIN:VALARM\nEND:VCALENDAR\nBEGIN:VCALENDAR\nBEGIN:VEVENT\n",
			"VCALENDAR(){VTODO()VEVENT(){VALARM()}}VCALENDAR(){VEVENT()}", nil},
		{"empty", "", "", nil},
		{"not iCalendar", "hello\nworld", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ParseText([]byte(tc.in))
			if got := string(d.Bytes()); got != tc.in {
				t.Fatalf("round trip:\n%q\nwant\n%q", got, tc.in)
			}
			if got := outline(d); got != tc.tree {
				t.Errorf("tree %s\nwant %s", got, tc.tree)
			}
			var whole bytes.Buffer
			for _, c := range d.Components() {
				whole.Write(c.Bytes())
			}
			if !strings.Contains(tc.in, whole.String()) && d.root.Props() == nil {
				t.Errorf("components' bytes %q are not the input's", whole.String())
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

// TestParseTextCorpus: every file of the shared corpus comes back byte for
// byte, and the model sees the components Parse sees.
func TestParseTextCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir(t), "ics", "*.ics"))
	if len(files) == 0 {
		t.Fatal("no .ics files in the corpus")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := ParseText(data)
		if !bytes.Equal(d.Bytes(), data) {
			t.Errorf("%s: round trip changed the bytes", f)
			continue
		}
		cals, err := ParseStream(data)
		if err != nil || len(cals) != len(d.Components()) {
			continue // broken on purpose, or bare components
		}
		for i, cal := range cals {
			if got := len(d.Components()[i].Components()); got != len(cal.Children) {
				t.Errorf("%s: calendar %d has %d components, Parse sees %d", f, i, got, len(cal.Children))
			}
		}
	}
}

// TestTextEdits: the edits change only what they name and keep the rest
// byte for byte.
func TestTextEdits(t *testing.T) {
	t.Run("remove a nested component", func(t *testing.T) {
		d := ParseText([]byte(strings.ReplaceAll(textZone, "\r\n", "\n")))
		d.Walk(func(c *Comp) bool {
			if c.Name == "VALARM" || c.Name == "DAYLIGHT" {
				c.Remove()
			}
			return true
		})
		want := strings.ReplaceAll(textZone, "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n", "")
		want = strings.ReplaceAll(want, "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n", "")
		if got := string(d.Bytes()); got != strings.ReplaceAll(want, "\r\n", "\n") {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("insert before the first component", func(t *testing.T) {
		d := ParseText([]byte(utf8BOM + textEvent))
		d.Calendar().Components()[0].InsertBefore([]byte("BEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\n"))
		want := utf8BOM + strings.Replace(textEvent, "BEGIN:VEVENT", "BEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT", 1)
		if got := string(d.Bytes()); got != want {
			t.Fatalf("got %q", got)
		}
		if comps := d.Calendar().Components(); len(comps) != 2 || comps[0].Name != "VTIMEZONE" || comps[0].Parent() != d.Calendar() {
			t.Fatal("inserted component not in the tree")
		}
	})
	t.Run("remove and insert properties, set a value", func(t *testing.T) {
		d := ParseText([]byte(strings.ReplaceAll(textEvent, "\r\n", "\n")))
		ev := d.Calendar().Components()[0]
		if n := ev.RemoveProps(func(l *Line) bool { return l.Name() == "SUMMARY" }); n != 1 {
			t.Fatalf("removed %d", n)
		}
		ev.InsertProp(0, "SUMMARY:Busy")
		ev.InsertProp(2, "DESCRIPTION:"+strings.Repeat("x", 80))
		ev.Prop("UID").SetValue("2")
		want := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//y//EN\nBEGIN:VEVENT\nSUMMARY:Busy\nUID:2\n" +
			"DESCRIPTION:" + strings.Repeat("x", 63) + "\n " + strings.Repeat("x", 17) + "\nEND:VEVENT\nEND:VCALENDAR\n"
		if got := string(d.Bytes()); got != want {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	})
	t.Run("normalized", func(t *testing.T) {
		d := ParseText([]byte("BEGIN:VEVENT\nSUMMARY:a\n\n b\r\n\nEND:VEVENT"))
		if got := d.Components()[0].Normalized(); got != "BEGIN:VEVENT\r\nSUMMARY:a\r\n b\r\nEND:VEVENT\r\n" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("walk skips children on false", func(t *testing.T) {
		var seen []string
		ParseText([]byte(textZone)).Walk(func(c *Comp) bool {
			seen = append(seen, c.Name)
			return c.Name != "VTIMEZONE"
		})
		if got := strings.Join(seen, ","); got != "VCALENDAR,VTIMEZONE,VEVENT,VALARM" {
			t.Fatalf("walked %s", got)
		}
	})
}

// TestLineParams: parameters are read and set as RFC 5545 §3.1 writes
// them, whatever quotes and case.
func TestLineParams(t *testing.T) {
	tests := []struct {
		line, param, value, want string
		ok                       bool
	}{
		{"ATTENDEE:mailto:a@b", "PARTSTAT", "ACCEPTED", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b", true},
		{"ATTENDEE;partstat=X;CN=\"a:b\":mailto:a@b", "PARTSTAT", "ACCEPTED", "ATTENDEE;PARTSTAT=ACCEPTED;CN=\"a:b\":mailto:a@b", true},
		{"ATTENDEE;MEMBER=\"a:b\",\"c;d\";RSVP=TRUE:x", "MEMBER", "e,f", "ATTENDEE;MEMBER=\"e,f\";RSVP=TRUE:x", true},
		{"ATTENDEE;RSVP=TRUE:x", "RSVP", "TRUE", "", false},
		{"ATTENDEE;CN=\"open:x", "RSVP", "TRUE", "", false},
		{"ATTENDEE", "RSVP", "TRUE", "", false},
	}
	for _, tc := range tests {
		l := ParseText([]byte(tc.line + "\n")).root.body[0].line
		ok := l.SetParam(tc.param, tc.value)
		if ok != tc.ok || ok && (l.Text() != tc.want || string(l.Raw()) != tc.want+"\n") {
			t.Errorf("%s: SetParam(%s) = %v %q", tc.line, tc.param, ok, l.Raw())
		}
		if ok && l.Param(tc.param) != tc.value {
			t.Errorf("%s: Param(%s) = %q", tc.line, tc.param, l.Param(tc.param))
		}
	}
}

// TestNewLine: a line the server writes is folded at 75 octets with
// CRLF, and reads back as written.
func TestNewLine(t *testing.T) {
	l := NewLine("FREEBUSY;FBTYPE=BUSY:" + strings.Repeat("20270101T000000Z/PT1H,", 4))
	if got := l.Normalized(); got != string(l.Raw()) || !strings.Contains(got, "\r\n ") || l.Name() != "FREEBUSY" || l.Param("fbtype") != "BUSY" {
		t.Fatalf("NewLine: %q", got)
	}
	if !l.SetValue("20270101T000000Z/PT1H") || string(l.Raw()) != "FREEBUSY;FBTYPE=BUSY:20270101T000000Z/PT1H\r\n" {
		t.Fatalf("SetValue: %q", l.Raw())
	}
	if NewLine("NOCOLON").SetValue("x") {
		t.Fatal("SetValue on a line without colon")
	}
}

// TestParseToleratesBOM pins that Parse skips a leading byte-order mark
// (Outlook writes one) and reads the calendar after it.
func TestParseToleratesBOM(t *testing.T) {
	cal, err := Parse([]byte(utf8BOM + "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	if err != nil || len(cal.Children) != 1 || cal.Children[0].Props.Get("UID").Value != "1" {
		t.Fatalf("Parse with a BOM: %v", err)
	}
}
