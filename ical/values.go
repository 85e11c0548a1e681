package ical

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// timeValue is a parsed DATE or DATE-TIME value. The wall clock is kept as
// written, in a time.Time whose location is UTC, because a local time
// cannot be turned into an instant before its zone (which may come from a
// VTIMEZONE elsewhere in the object, or from Options.Floating) is known.
type timeValue struct {
	wall time.Time
	date bool   // VALUE=DATE
	utc  bool   // written with a trailing Z
	tzid string // TZID parameter, "" for UTC, floating and DATE values
}

// floating reports whether the value is neither UTC nor bound to a TZID:
// such values are evaluated in Options.Floating (RFC 4791 §9.9).
func (v timeValue) floating() bool { return !v.utc && v.tzid == "" }

var errBadDate = errors.New("invalid date")

func atoiN(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// parseDate parses YYYYMMDD, rejecting impossible days (Feb 30) rather
// than letting time.Date normalise them silently.
func parseDate(s string) (time.Time, error) {
	if len(s) != 8 {
		return time.Time{}, errBadDate
	}
	y, ok1 := atoiN(s[:4])
	m, ok2 := atoiN(s[4:6])
	d, ok3 := atoiN(s[6:8])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return time.Time{}, errBadDate
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseDateTime parses YYYYMMDDTHHMMSS with an optional Z.
func parseDateTime(s string) (t time.Time, utc bool, err error) {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		utc = true
		s = s[:len(s)-1]
	}
	if len(s) != 15 || (s[8] != 'T' && s[8] != 't') {
		return time.Time{}, false, errors.New("invalid date-time")
	}
	day, err := parseDate(s[:8])
	if err != nil {
		return time.Time{}, false, err
	}
	h, ok1 := atoiN(s[9:11])
	mi, ok2 := atoiN(s[11:13])
	sec, ok3 := atoiN(s[13:15])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false, errors.New("invalid time of day")
	}
	if sec == 60 { // leap second: RFC 5545 allows it, Go cannot represent it
		sec = 59
	}
	return day.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second), utc, nil
}

// parseTimeValue parses one DATE or DATE-TIME value, honouring an explicit
// VALUE parameter and otherwise guessing from the length as clients do.
func parseTimeValue(s, valueType, tzid string) (timeValue, error) {
	s = strings.TrimSpace(s)
	asDate := false
	switch strings.ToUpper(valueType) {
	case "DATE":
		asDate = true
	case "", "DATE-TIME":
		asDate = len(s) == 8
	default:
		return timeValue{}, errors.New("unexpected VALUE type " + valueType)
	}
	if asDate {
		t, err := parseDate(s)
		if err != nil {
			return timeValue{}, err
		}
		return timeValue{wall: t, date: true}, nil
	}
	t, utc, err := parseDateTime(s)
	if err != nil {
		return timeValue{}, err
	}
	v := timeValue{wall: t, utc: utc}
	if !utc {
		v.tzid = tzid
	}
	return v, nil
}

// duration is an RFC 5545 §3.3.6 duration split into its nominal part
// (days, which follow the wall clock across DST changes) and its exact part.
type duration struct {
	days int
	secs int64
}

// Limits that keep hostile durations (P999999999999999999W) from
// overflowing time arithmetic: about 10000 years.
const (
	maxDurDays = 3660000
	maxDurSecs = int64(maxDurDays) * 86400
)

func parseDuration(s string) (duration, error) {
	bad := errors.New("invalid duration")
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) < 2 || (s[0] != 'P' && s[0] != 'p') {
		return duration{}, bad
	}
	s = strings.ToUpper(s[1:])
	// Some producers put the sign inside ("PT-2H"); accept it once.
	if i := strings.IndexByte(s, '-'); i >= 0 && !neg && (i == 0 || s[i-1] == 'T') {
		neg = true
		s = s[:i] + s[i+1:]
	}
	var d duration
	inTime, any := false, false
	for len(s) > 0 {
		if s[0] == 'T' {
			// RFC 5545 §3.3.6: "T" introduces at least one time part
			// (dur-time = "T" (dur-hour / dur-minute / dur-second)).
			if inTime || len(s) == 1 {
				return duration{}, bad
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) || i > 10 {
			return duration{}, bad
		}
		n, _ := strconv.ParseInt(s[:i], 10, 64)
		unit := s[i]
		s = s[i+1:]
		switch {
		case unit == 'W' && !inTime:
			d.days += int(n) * 7
		case unit == 'D' && !inTime:
			d.days += int(n)
		case unit == 'H' && inTime:
			d.secs += n * 3600
		case unit == 'M' && inTime:
			d.secs += n * 60
		case unit == 'S' && inTime:
			d.secs += n
		default:
			return duration{}, bad
		}
		if d.days > maxDurDays || d.days < 0 || d.secs > maxDurSecs || d.secs < 0 {
			return duration{}, errors.New("duration out of range")
		}
		any = true
	}
	if !any {
		return duration{}, bad
	}
	if neg {
		d.days, d.secs = -d.days, -d.secs
	}
	return d, nil
}

// isZero reports a zero-length duration (PT0S), which §9.9 treats apart.
func (d duration) isZero() bool { return d.days == 0 && d.secs == 0 }

// addWall adds the nominal part to a wall clock; the exact part must be
// added after the wall clock has been turned into an instant.
func (d duration) addWall(w time.Time) time.Time { return w.AddDate(0, 0, d.days) }

// exact returns the exact part as a time.Duration.
func (d duration) exact() time.Duration { return time.Duration(d.secs) * time.Second }

// period is one RFC 5545 §3.3.9 PERIOD value.
type period struct {
	start  timeValue
	end    timeValue // set when the period is start/end
	dur    duration  // set when the period is start/duration
	hasEnd bool
}

func parsePeriod(s, tzid string) (period, error) {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return period{}, errors.New("invalid period")
	}
	start, err := parseTimeValue(s[:i], "DATE-TIME", tzid)
	if err != nil || start.date {
		return period{}, errors.New("invalid period start")
	}
	rest := s[i+1:]
	if rest != "" && (rest[0] == 'P' || rest[0] == 'p' || rest[0] == '+' || rest[0] == '-') {
		d, err := parseDuration(rest)
		if err != nil {
			return period{}, err
		}
		return period{start: start, dur: d}, nil
	}
	end, err := parseTimeValue(rest, "DATE-TIME", tzid)
	if err != nil || end.date {
		return period{}, errors.New("invalid period end")
	}
	return period{start: start, end: end, hasEnd: true}, nil
}

// parseUTCOffset parses ("+"/"-") HHMM[SS] as used by TZOFFSETFROM/TO.
func parseUTCOffset(s string) (int, error) {
	bad := errors.New("invalid UTC offset")
	s = strings.TrimSpace(s)
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, bad
	}
	h, ok1 := atoiN(s[1:3])
	m, ok2 := atoiN(s[3:5])
	sec, ok3 := 0, true
	if len(s) == 7 {
		sec, ok3 = atoiN(s[5:7])
	}
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, bad
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		off = -off
	}
	return off, nil
}

// splitList splits a comma-separated multi-value property. Values of the
// types split here (dates, periods) never contain escaped commas.
func splitList(s string) []string {
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
