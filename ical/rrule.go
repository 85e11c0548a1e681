package ical

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/teambition/rrule-go"
)

// recur is a parsed RFC 5545 §3.3.10 RECUR value. It is parsed here rather
// than by rrule-go's StrToROption because that parser knows only IANA
// TZIDs, treats floating and DATE UNTIL values as UTC and accepts rule
// parts the RFC does not define.
type recur struct {
	freq       rrule.Frequency
	interval   int
	count      int // 0: no COUNT
	until      *timeValue
	bysecond   []int
	byminute   []int
	byhour     []int
	bymonthday []int
	byyearday  []int
	byweekno   []int
	bymonth    []int
	bysetpos   []int
	byday      []rrule.Weekday
	wkst       rrule.Weekday
	// rscale is a non-Gregorian RSCALE (RFC 7529), "" for Gregorian.
	// Such rules are kept but not computed: expansion yields DTSTART
	// only (see Expand).
	rscale string
	// skip is a SKIP other than the default OMIT (RFC 7529 §3.1). It is
	// not applied: invalid dates (Feb 29 in a common year) are omitted.
	skip string
}

var freqNames = map[string]rrule.Frequency{
	"YEARLY": rrule.YEARLY, "MONTHLY": rrule.MONTHLY, "WEEKLY": rrule.WEEKLY,
	"DAILY": rrule.DAILY, "HOURLY": rrule.HOURLY, "MINUTELY": rrule.MINUTELY,
	"SECONDLY": rrule.SECONDLY,
}

var dayNames = map[string]rrule.Weekday{
	"MO": rrule.MO, "TU": rrule.TU, "WE": rrule.WE, "TH": rrule.TH,
	"FR": rrule.FR, "SA": rrule.SA, "SU": rrule.SU,
}

// maxCount and maxInterval keep numbers in a range where arithmetic on
// them cannot overflow; the expansion budget does the real bounding.
const (
	maxCount    = 1 << 30
	maxInterval = 1 << 20
)

func parseIntList(name, s string, lo, hi int, signed bool) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%s value %q is not a number", name, f)
		}
		a := n
		if signed && a < 0 {
			a = -a
		}
		if a < lo || a > hi || n < 0 && !signed {
			return nil, fmt.Errorf("%s value %d out of range", name, n)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseRecur parses an RRULE value. Unknown parts are an error (a misspelt
// UNTL= would otherwise silently make a bounded rule infinite); X- parts
// are ignored. A non-Gregorian RSCALE (RFC 7529) is recorded in rscale
// and its leap months (BYMONTH=5L) accepted; the rest of such a rule is
// checked as strictly as a Gregorian one.
func parseRecur(s string) (*recur, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty rule")
	}
	r := &recur{interval: 1, wkst: rrule.MO}
	// RSCALE first: it decides how BYMONTH reads, wherever it stands.
	var err error
	if r.rscale, err = readRScale(s); err != nil {
		return nil, err
	}
	hasFreq := false
	for _, part := range strings.Split(s, ";") {
		if part == "" {
			continue // tolerated trailing ";" (libical, Outlook)
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			return nil, fmt.Errorf("malformed rule part %q", part)
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		v = strings.ToUpper(strings.TrimSpace(v))
		if err := r.setPart(k, v); err != nil {
			return nil, err
		}
		hasFreq = hasFreq || k == "FREQ"
	}
	if !hasFreq {
		return nil, errors.New("rule has no FREQ")
	}
	// libical refuses this combination as unimplemented and RFC 5545 gives
	// it no sensible meaning (a week number and a day of month rarely
	// meet); rejecting it keeps us in line with the most common engine.
	if len(r.byweekno) > 0 && len(r.bymonthday) > 0 {
		return nil, errors.New("BYWEEKNO combined with BYMONTHDAY is not supported")
	}
	return r, nil
}

// readRScale returns the rule's non-Gregorian RSCALE (RFC 7529), "" for
// none or GREGORIAN.
func readRScale(s string) (string, error) {
	rscale := ""
	for _, part := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(strings.TrimSpace(k), "RSCALE") {
			v = strings.ToUpper(strings.TrimSpace(v))
			if v == "" || strings.IndexFunc(v, func(c rune) bool { return c > 127 || !isNameChar(byte(c)) }) >= 0 {
				return "", fmt.Errorf("invalid RSCALE %q", v)
			}
			if v != "GREGORIAN" {
				rscale = v
			}
		}
	}
	return rscale, nil
}

// setPart reads one rule part, its name and value in upper case.
func (r *recur) setPart(k, v string) error {
	switch k {
	case "FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST":
		return r.setBoundPart(k, v)
	case "RSCALE":
		return nil // read by readRScale
	case "SKIP":
		// RFC 7529: only meaningful with a non-Gregorian RSCALE or
		// invalid dates; the Gregorian default (OMIT) is what we do.
		if v != "OMIT" && v != "BACKWARD" && v != "FORWARD" {
			return fmt.Errorf("invalid SKIP %q", v)
		}
		if v != "OMIT" {
			r.skip = v
		}
		return nil
	}
	if strings.HasPrefix(k, "BY") {
		return r.setByPart(k, v)
	}
	if !strings.HasPrefix(k, "X-") {
		return fmt.Errorf("unknown rule part %q", k)
	}
	return nil
}

// setBoundPart reads the parts that say how often and how long a rule
// recurs: FREQ, INTERVAL, COUNT, UNTIL and WKST.
func (r *recur) setBoundPart(k, v string) error {
	var err error
	ok := true
	switch k {
	case "FREQ":
		if r.freq, ok = freqNames[v]; !ok {
			return fmt.Errorf("unknown FREQ %q", v)
		}
	case "INTERVAL":
		r.interval, err = strconv.Atoi(v)
		if err != nil || r.interval < 1 || r.interval > maxInterval {
			return fmt.Errorf("invalid INTERVAL %q", v)
		}
	case "COUNT":
		r.count, err = strconv.Atoi(v)
		if err != nil || r.count < 1 || r.count > maxCount {
			return fmt.Errorf("invalid COUNT %q", v)
		}
	case "UNTIL":
		u, err := parseTimeValue(v, "", "")
		if err != nil {
			return fmt.Errorf("invalid UNTIL %q", v)
		}
		r.until = &u
	case "WKST":
		if r.wkst, ok = dayNames[v]; !ok {
			return fmt.Errorf("invalid WKST %q", v)
		}
	}
	return nil
}

// setByPart reads a BYxxx part, each number checked against its range
// (RFC 5545 §3.3.10).
func (r *recur) setByPart(k, v string) error {
	var err error
	switch k {
	case "BYSECOND":
		r.bysecond, err = parseIntList(k, v, 0, 60, false)
	case "BYMINUTE":
		r.byminute, err = parseIntList(k, v, 0, 59, false)
	case "BYHOUR":
		r.byhour, err = parseIntList(k, v, 0, 23, false)
	case "BYMONTHDAY":
		r.bymonthday, err = parseIntList(k, v, 1, 31, true)
	case "BYYEARDAY":
		r.byyearday, err = parseIntList(k, v, 1, 366, true)
	case "BYWEEKNO":
		r.byweekno, err = parseIntList(k, v, 1, 53, true)
	case "BYMONTH":
		r.bymonth, err = r.parseByMonth(v)
	case "BYSETPOS":
		r.bysetpos, err = parseIntList(k, v, 1, 366, true)
	case "BYDAY":
		r.byday, err = parseByDay(v)
	default:
		return fmt.Errorf("unknown rule part %q", k)
	}
	return err
}

// parseByMonth reads BYMONTH: 1 to 12, or with a non-Gregorian RSCALE up
// to 13 and leap months.
func (r *recur) parseByMonth(v string) ([]int, error) {
	if r.rscale != "" {
		// RFC 7529 §4.2: leap months are written "5L"; the months are
		// not used, since the rule is not computed.
		v = strings.ReplaceAll(v, "L", "")
	}
	months, err := parseIntList("BYMONTH", v, 1, 13, false)
	if err == nil && r.rscale == "" && slicesMax(months) > 12 {
		err = fmt.Errorf("BYMONTH value %d out of range", slicesMax(months))
	}
	return months, err
}

func slicesMax(l []int) int {
	m := 0
	for _, v := range l {
		m = max(m, v)
	}
	return m
}

func parseByDay(v string) ([]rrule.Weekday, error) {
	var out []rrule.Weekday
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if len(f) < 2 {
			return nil, fmt.Errorf("invalid BYDAY %q", f)
		}
		wd, ok := dayNames[f[len(f)-2:]]
		if !ok {
			return nil, fmt.Errorf("invalid BYDAY %q", f)
		}
		n := 0
		if num := f[:len(f)-2]; num != "" {
			var err error
			n, err = strconv.Atoi(num)
			if err != nil || n == 0 || n > 53 || n < -53 {
				return nil, fmt.Errorf("invalid BYDAY %q", f)
			}
		}
		out = append(out, wd.Nth(n))
	}
	return out, nil
}
