package ical

import (
	"testing"

	"github.com/teambition/rrule-go"
)

// TestParseRecur pins what parseRecur accepts and the reason it gives for
// what it refuses, part by part.
func TestParseRecur(t *testing.T) {
	bad := map[string]string{
		"":                                    "empty rule",
		"INTERVAL=2":                          "rule has no FREQ",
		"FREQ=DAILY;UNTL=20270101":            `unknown rule part "UNTL"`,
		"FREQ=DAILY;BYFOO=1":                  `unknown rule part "BYFOO"`,
		"FREQ=DAILY;COUNT":                    `malformed rule part "COUNT"`,
		"FREQ=SOMETIMES":                      `unknown FREQ "SOMETIMES"`,
		"FREQ=DAILY;INTERVAL=0":               `invalid INTERVAL "0"`,
		"FREQ=DAILY;COUNT=-1":                 `invalid COUNT "-1"`,
		"FREQ=DAILY;UNTIL=tomorrow":           `invalid UNTIL "TOMORROW"`,
		"FREQ=DAILY;WKST=XX":                  `invalid WKST "XX"`,
		"FREQ=DAILY;BYHOUR=24":                "BYHOUR value 24 out of range",
		"FREQ=YEARLY;BYMONTH=13":              "BYMONTH value 13 out of range",
		"FREQ=YEARLY;BYMONTH=5L":              `BYMONTH value "5L" is not a number`,
		"FREQ=DAILY;BYDAY=1XX":                `invalid BYDAY "1XX"`,
		"FREQ=DAILY;SKIP=SOMETIMES":           `invalid SKIP "SOMETIMES"`,
		"RSCALE=;FREQ=DAILY":                  `invalid RSCALE ""`,
		"FREQ=YEARLY;BYWEEKNO=1;BYMONTHDAY=1": "BYWEEKNO combined with BYMONTHDAY is not supported",
	}
	for in, want := range bad {
		if _, err := parseRecur(in); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
	r, err := parseRecur("freq=monthly;interval=2;count=5;byday=-1fr,2MO;bymonth=1,6;wkst=su;x-foo=bar;")
	if err != nil || r.freq != rrule.MONTHLY || r.interval != 2 || r.count != 5 || len(r.byday) != 2 ||
		r.byday[0] != rrule.FR.Nth(-1) || len(r.bymonth) != 2 || r.wkst != rrule.SU {
		t.Fatalf("parsed %+v, %v", r, err)
	}
	r, err = parseRecur("FREQ=YEARLY;BYMONTH=5L;RSCALE=hebrew;SKIP=FORWARD")
	if err != nil || r.rscale != "HEBREW" || r.skip != "FORWARD" || r.bymonth[0] != 5 {
		t.Fatalf("RSCALE rule %+v, %v", r, err)
	}
}
