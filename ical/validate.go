package ical

import (
	"errors"
	"strconv"
	"strings"

	goical "github.com/emersion/go-ical"
)

// validateProp checks the value of the properties whose syntax matters to
// this package (times, durations, rules, offsets, free-busy periods) when
// the content line is read, so that the error can name its line.
// Unknown and text properties are not checked: a lenient server keeps them.
func validateProp(comp string, p *goical.Prop) error {
	valueType := p.Params.Get("VALUE")
	tzid := p.Params.Get("TZID")
	switch p.Name {
	case "DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "DTSTAMP", "CREATED",
		"LAST-MODIFIED", "COMPLETED", "ACKNOWLEDGED":
		if strings.TrimSpace(p.Value) == "" {
			return errors.New("empty value")
		}
		v, err := parseTimeValue(p.Value, valueType, tzid)
		if err == nil && p.Name == "ACKNOWLEDGED" && !v.utc {
			// RFC 9074 §6.1: "The value MUST be specified in the UTC
			// time format". No producer in the corpus writes it otherwise
			// (DTSTAMP, CREATED and LAST-MODIFIED, which RFC 5545 also
			// wants in UTC, are written in local time by SabreDAV and
			// others and stay tolerated).
			err = errors.New("value must be a UTC DATE-TIME")
		}
		return err
	case "EXDATE", "RDATE":
		if strings.TrimSpace(p.Value) == "" {
			return errors.New("empty value")
		}
		for _, v := range strings.Split(p.Value, ",") {
			if strings.TrimSpace(v) == "" {
				return errors.New("empty list element")
			}
			var err error
			if p.Name == "RDATE" && (strings.EqualFold(valueType, "PERIOD") || strings.Contains(v, "/")) {
				_, err = parsePeriod(v, tzid)
			} else {
				_, err = parseTimeValue(v, valueType, tzid)
			}
			if err != nil {
				return err
			}
		}
	case "DURATION":
		_, err := parseDuration(p.Value)
		return err
	case "TRIGGER":
		if strings.EqualFold(valueType, "DATE-TIME") {
			v, err := parseTimeValue(p.Value, valueType, "")
			if err == nil && !v.utc {
				err = errors.New("absolute trigger must be UTC")
			}
			return err
		}
		_, err := parseDuration(p.Value)
		return err
	case "RRULE", "EXRULE":
		_, err := parseRecur(p.Value)
		return err
	case "TZOFFSETFROM", "TZOFFSETTO":
		_, err := parseUTCOffset(p.Value)
		return err
	case "FREEBUSY":
		if strings.TrimSpace(p.Value) == "" {
			return errors.New("empty value")
		}
		for _, v := range strings.Split(p.Value, ",") {
			per, err := parsePeriod(strings.TrimSpace(v), "")
			if err != nil {
				return err
			}
			if !per.start.utc || per.hasEnd && !per.end.utc {
				return errors.New("FREEBUSY periods must be in UTC")
			}
		}
	case "SEQUENCE", "PRIORITY", "PERCENT-COMPLETE", "REPEAT":
		if _, err := strconv.Atoi(strings.TrimSpace(p.Value)); err != nil {
			return errors.New("not an integer")
		}
	}
	return nil
}
