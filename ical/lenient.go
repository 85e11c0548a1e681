package ical

import (
	"errors"
	"fmt"
	"strings"

	goical "github.com/emersion/go-ical"
)

// Warning is a producer defect that Parse repaired instead of rejecting
// the data (see ParseWithWarnings). Line is the 1-based physical input
// line, 0 when unknown; Reason is a short English sentence for logs.
type Warning struct {
	Line   int
	Reason string
}

// String formats the warning for logs.
func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("line %d: %s", w.Line, w.Reason)
	}
	return w.Reason
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// oneTypo reports whether a and b differ by one edit: a changed, added or
// removed letter, or two adjacent letters swapped (VTOOD for VTODO).
func oneTypo(a, b string) bool {
	if a == b || a == "" || b == "" {
		return false
	}
	if len(a) == len(b) {
		diff := []int{}
		for i := 0; i < len(a); i++ {
			if a[i] != b[i] {
				diff = append(diff, i)
			}
		}
		switch len(diff) {
		case 1:
			return true
		case 2:
			i, j := diff[0], diff[1]
			return j == i+1 && a[i] == b[j] && a[j] == b[i]
		}
		return false
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a) != len(b)+1 {
		return false
	}
	for i := 0; i < len(b); i++ {
		if a[i] != b[i] {
			return a[i+1:] == b[i:]
		}
	}
	return true // the extra letter is the last one
}

// offsetShaped reports a UTC offset with the right shape ("+HHMM" or
// "+HHMMSS") whatever its digits: out-of-range digits are the one
// TZOFFSETFROM defect ParseWithWarnings repairs.
func offsetShaped(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 5 && len(s) != 7 || s[0] != '+' && s[0] != '-' {
		return false
	}
	_, ok := atoiN(s[1:])
	return ok
}

// timeProps are the properties whose DATE and DATE-TIME values
// normalizeTimes repairs.
var timeProps = map[string]bool{
	"DTSTART": true, "DTEND": true, "DUE": true, "RECURRENCE-ID": true, "DTSTAMP": true,
	"CREATED": true, "LAST-MODIFIED": true, "COMPLETED": true, "ACKNOWLEDGED": true,
	"EXDATE": true, "RDATE": true, "FREEBUSY": true,
}

// normalizeTimes repairs, in place, the DATE and DATE-TIME values of prop
// that producers get slightly wrong, and returns one message per repair:
//
//   - a DATE with a UTC designator ("20131210Z", Google birthday
//     calendars) becomes the DATE: a day has no time zone;
//   - a DATE-TIME with a four- or five-digit time ("19970901T1300Z",
//     RFC 2446 examples) gets the missing trailing digits as zeros, which
//     is how the digits that are there read (HHMM, HHMMS).
//
// Values inside periods ("start/end") are repaired too.
func normalizeTimes(prop *goical.Prop) []string {
	if !timeProps[prop.Name] {
		return nil
	}
	var msgs []string
	changed := false
	items := strings.Split(prop.Value, ",")
	for i, item := range items {
		parts := strings.Split(item, "/")
		for j, v := range parts {
			if fixed, msg := normalizeTime(strings.TrimSpace(v)); msg != "" {
				parts[j] = fixed
				msgs = append(msgs, fmt.Sprintf("%s value %s %s", prop.Name, strings.TrimSpace(v), msg))
				changed = true
			}
		}
		items[i] = strings.Join(parts, "/")
	}
	if changed {
		prop.Value = strings.Join(items, ",")
	}
	return msgs
}

func allDigits(s string) bool {
	_, ok := atoiN(s)
	return ok
}

// normalizeTime repairs one value (see normalizeTimes); msg is "" when
// the value was left alone.
func normalizeTime(v string) (fixed, msg string) {
	if len(v) == 9 && (v[8] == 'Z' || v[8] == 'z') && allDigits(v[:8]) {
		return v[:8], "is a DATE with a Z suffix; read as DATE " + v[:8]
	}
	s, z := v, ""
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		s, z = s[:len(s)-1], s[len(s)-1:]
	}
	if (len(s) == 13 || len(s) == 14) && (s[8] == 'T' || s[8] == 't') && allDigits(s[:8]) && allDigits(s[9:]) {
		fixed = s + strings.Repeat("0", 15-len(s)) + z
		return fixed, fmt.Sprintf("has a %d-digit time; read as %s", len(s)-9, fixed)
	}
	return v, ""
}

// textProps are the properties of RFC 5545 whose value type is TEXT and
// whose escapes repairTextEscapes checks. UID and experimental
// properties are left alone: they are compared or kept as written.
var textProps = map[string]bool{
	"SUMMARY": true, "DESCRIPTION": true, "LOCATION": true, "COMMENT": true, "CONTACT": true,
	"CATEGORIES": true, "RESOURCES": true, "TZNAME": true,
}

// repairTextEscapes checks the escapes of a TEXT value (RFC 5545
// §3.3.11: ESCAPED-CHAR is \\, \;, \, \N or \n). An escaped double
// quote, which Podio writes, is replaced by the double quote and reported
// in msg; any other backslash sequence is an error.
func repairTextEscapes(prop *goical.Prop) (msg string, err error) {
	if !textProps[prop.Name] || !strings.Contains(prop.Value, `\`) {
		return "", nil
	}
	fixed, quotes, err := fixTextEscapes(prop.Value)
	if err != nil || quotes == 0 {
		return "", err
	}
	prop.Value = fixed
	return fmt.Sprintf(`%s: \" is not an iCalendar escape; read as "`, prop.Name), nil
}

// fixTextEscapes returns v with each \" replaced by ", and how many; an
// escape RFC 5545 does not define is an error.
func fixTextEscapes(v string) (string, int, error) {
	var b strings.Builder
	quotes := 0
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b.WriteByte(v[i])
			continue
		}
		if i+1 == len(v) {
			return "", 0, errors.New("value ends with a lone backslash")
		}
		i++
		switch c := v[i]; c {
		case '\\', ';', ',', 'n', 'N':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '"':
			b.WriteByte('"')
			quotes++
		default:
			return "", 0, fmt.Errorf("\\%c is not an iCalendar escape (RFC 5545 §3.3.11)", c)
		}
	}
	return b.String(), quotes, nil
}
