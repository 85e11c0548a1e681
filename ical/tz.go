package ical

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	goical "github.com/emersion/go-ical"
)

// ResolveTZID maps a TZID parameter value to a *time.Location. It tries,
// in order:
//
//  1. the IANA name, from the tz database embedded with time/tzdata;
//  2. a Windows zone name as Outlook and Exchange write it ("W. Europe
//     Standard Time"), or its display form ("(UTC+01:00) Amsterdam, ..."),
//     through the CLDR table in windowszones.go;
//  3. the VTIMEZONE of that TZID in cal, evaluated from its STANDARD and
//     DAYLIGHT rules for the years 1900-2100;
//  4. guesses for names producers decorate: path prefixes such as
//     "/mozilla.org/20050126_1/Europe/Berlin", "Europe_Berlin",
//     "America-Chicago", a city named in a display form, and at last the
//     fixed offset of a "(UTC+01:00) ..." or "GMT+01:00" label.
//
// The in-file VTIMEZONE is used only when the name is not a known zone,
// because producers copy stale or simplified rules into their VTIMEZONEs
// while the tz database is kept current. cal may be nil.
func ResolveTZID(cal *goical.Calendar, tzid string) (*time.Location, error) {
	name := cleanTZID(tzid)
	if name == "" {
		return nil, errors.New("ical: empty TZID")
	}
	if loc := knownZone(name); loc != nil {
		return loc, nil
	}
	if cal != nil {
		if vt := findVTimezone(cal, tzid); vt != nil {
			if loc, err := vtimezoneLocation(vt, name); err == nil {
				return loc, nil
			}
		}
	}
	if loc := guessZone(name); loc != nil {
		return loc, nil
	}
	return nil, fmt.Errorf("ical: unknown time zone %q", tzid)
}

// cleanTZID removes the quotes and stray spaces producers leave around
// TZID values.
func cleanTZID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, `"'`)
	return strings.Join(strings.Fields(s), " ")
}

var zoneCache sync.Map // string -> *time.Location (nil entries cached as errNoZone)

type noZone struct{}

// loadIANA wraps time.LoadLocation with a cache: loading from the embedded
// database re-reads and re-parses the zone every time.
func loadIANA(name string) *time.Location {
	if v, ok := zoneCache.Load(name); ok {
		if loc, ok := v.(*time.Location); ok {
			return loc
		}
		return nil
	}
	var loc *time.Location
	// "Local" and "" are special to LoadLocation and never IANA names here.
	if name != "Local" && name != "" && !strings.ContainsAny(name, " \\") {
		if l, err := time.LoadLocation(name); err == nil {
			loc = l
		}
	}
	if loc != nil {
		zoneCache.Store(name, loc)
	} else {
		zoneCache.Store(name, noZone{})
	}
	return loc
}

var (
	winOnce   sync.Once
	winByName map[string]string // normalised Windows or display name -> IANA
	winCities []cityZone
)

type cityZone struct{ city, iana string }

// accentFolder maps the accented Latin letters that occur in Windows
// display names and city names to their base letters.
var accentFolder = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a", "å", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u", "ç", "c", "ñ", "n",
)

// foldName lower-cases, strips accents and collapses spaces so that
// "Brasília" and "brasilia" compare equal.
func foldName(s string) string {
	s = accentFolder.Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

func initWindows() {
	winByName = make(map[string]string, 2*len(windowsZones))
	for _, z := range windowsZones {
		winByName[foldName(z.windows)] = z.iana
		winByName[foldName(z.display)] = z.iana
		if i := strings.IndexByte(z.display, ')'); i >= 0 {
			for _, c := range strings.Split(z.display[i+1:], ",") {
				if c = foldName(c); c != "" {
					winCities = append(winCities, cityZone{c, z.iana})
				}
			}
		}
	}
}

func knownZone(name string) *time.Location {
	if loc := loadIANA(name); loc != nil {
		return loc
	}
	winOnce.Do(initWindows)
	if iana, ok := winByName[foldName(name)]; ok {
		return loadIANA(iana)
	}
	return nil
}

// guessZone tries the decorations listed in ResolveTZID's step 4.
func guessZone(name string) *time.Location {
	// Path prefixes: try every suffix after a "/".
	for s := name; ; {
		i := strings.IndexByte(s, '/')
		if i < 0 {
			break
		}
		s = s[i+1:]
		if loc := knownZone(s); loc != nil {
			return loc
		}
	}
	// Separators replaced: Europe_Berlin, America-Chicago, custom_X/Y.
	for _, sep := range []string{"_", "-"} {
		if i := strings.Index(name, sep); i > 0 {
			if loc := loadIANA(name[:i] + "/" + name[i+1:]); loc != nil {
				return loc
			}
			if rest := name[i+1:]; strings.Contains(rest, "/") {
				if loc := knownZone(rest); loc != nil {
					return loc
				}
			}
		}
	}
	winOnce.Do(initWindows)
	if i := strings.IndexByte(name, ')'); strings.HasPrefix(name, "(") && i > 0 {
		for _, c := range strings.Split(name[i+1:], ",") {
			c = foldName(c)
			for _, cz := range winCities {
				if c != "" && cz.city == c {
					return loadIANA(cz.iana)
				}
			}
		}
	}
	if off, ok := labelOffset(name); ok {
		return time.FixedZone(name, off)
	}
	return nil
}

// labelOffset extracts the offset of labels such as "(UTC+01:00) Paris",
// "GMT+0100" or "UTC-03" ("GMT-05.00/-04.00" gives the first offset).
func labelOffset(name string) (int, bool) {
	s := strings.ToUpper(strings.TrimPrefix(name, "("))
	for _, p := range []string{"UTC", "GMT"} {
		if !strings.HasPrefix(s, p) {
			continue
		}
		s = strings.TrimSpace(s[len(p):])
		if s == "" || s[0] == ')' {
			return 0, true
		}
		if s[0] != '+' && s[0] != '-' {
			return 0, false
		}
		sign := 1
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s[:min(len(s), 5)])
		h, m := 0, 0
		switch len(digits) {
		case 1, 2:
			h, _ = atoiN(digits)
		case 3:
			h, _ = atoiN(digits[:1])
			m, _ = atoiN(digits[1:3])
		case 4:
			h, _ = atoiN(digits[:2])
			m, _ = atoiN(digits[2:4])
		default:
			return 0, false
		}
		if h > 14 || m > 59 {
			return 0, false
		}
		return sign * (h*3600 + m*60), true
	}
	return 0, false
}

// findVTimezone returns the VTIMEZONE of cal whose TZID matches.
func findVTimezone(cal *goical.Calendar, tzid string) *goical.Component {
	want := cleanTZID(tzid)
	for _, c := range cal.Children {
		if c.Name != "VTIMEZONE" {
			continue
		}
		if p := c.Props.Get("TZID"); p != nil && cleanTZID(p.Value) == want {
			return c
		}
	}
	return nil
}

// wallToAbs turns a wall clock (fields in UTC) into an instant in loc
// following RFC 5545 §3.3.5: a time that falls in a DST gap is read with
// the offset from before the gap (02:30 becomes 03:30 after a spring
// forward), and a time that occurs twice means its first occurrence.
// time.Date leaves both cases unspecified.
func wallToAbs(w time.Time, loc *time.Location) time.Time {
	if loc == nil || loc == time.UTC {
		return w
	}
	y, mo, d := w.Date()
	h, mi, s := w.Clock()
	t := time.Date(y, mo, d, h, mi, s, w.Nanosecond(), loc)
	_, offT := t.Zone()
	_, offA := t.Add(-6 * time.Hour).Zone()
	_, offB := t.Add(6 * time.Hour).Zone()
	if offA == offT && offB == offT {
		return t // no transition nearby: the common, fast case
	}
	wu := w.Unix()
	var best time.Time
	for _, off := range [...]int{offA, offT, offB} {
		c := time.Unix(wu-int64(off), int64(w.Nanosecond())).In(loc)
		if _, o := c.Zone(); o == off && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best
	}
	// In a gap: use the offset in force before it.
	return time.Unix(wu-int64(offA), int64(w.Nanosecond())).In(loc)
}

// absToWall returns the wall clock of instant t in loc, as UTC fields.
func absToWall(t time.Time, loc *time.Location) time.Time {
	if loc != nil {
		t = t.In(loc)
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// CalendarTimezoneLocation is the zone of a CalDAV calendar-timezone value
// (a VCALENDAR holding one VTIMEZONE), in which a calendar's floating
// times and dates are evaluated (RFC 4791 §9.9, §5.2.2); UTC when the
// value is empty or names no zone that can be resolved.
func CalendarTimezoneLocation(vcal string) *time.Location {
	if vcal == "" {
		return time.UTC
	}
	cal, err := Parse([]byte(vcal))
	if err != nil {
		return time.UTC
	}
	for _, comp := range cal.Children {
		if comp.Name != goical.CompTimezone {
			continue
		}
		if id := comp.Props.Get("TZID"); id != nil {
			if loc, err := ResolveTZID(cal, id.Value); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}
