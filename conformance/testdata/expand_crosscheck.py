"""Occurrences of corpus files by python-recurring-ical-events.

Used by expand_crosscheck_test.go (TestExpandCrossCheck), the independent
side of its comparison with the server's calendar-query expand.

Reads a JSON list of .ics paths on stdin and prints one JSON object with,
per path, either
    {"lo": "YYYYMMDD", "hi": "YYYYMMDD", "ok": {UID: [start, ...]}}
or  {"none": true}      (no VEVENT, VTODO or VJOURNAL has a DTSTART or DUE)
or  {"error": "..."}    (icalendar or recurring_ical_events failed on it)

The window [lo, hi) runs ten years from January 1 of the year of the
earliest DTSTART (or DUE) in the file, as ical/crosscheck_test.go's does.
Starts are UTC, YYYYMMDDTHHMMSSZ, one list per UID, sorted, without
duplicates. Floating times and dates are read as UTC, as the server does
in a calendar without CALDAV:calendar-timezone. The whole file is expanded,
as ical/crosscheck_test.go's script does (superseded versions included).
"""
import datetime
import json
import sys

import icalendar
import recurring_ical_events

UTC = datetime.timezone.utc
COMPONENTS = ["VEVENT", "VTODO", "VJOURNAL"]


def utc(v):
    """A DTSTART/DUE value as an aware UTC datetime."""
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        return v.astimezone(UTC)
    return datetime.datetime(v.year, v.month, v.day, tzinfo=UTC)


def start_of(comp):
    st = comp.get("DTSTART") or comp.get("DUE")
    return None if st is None else st.dt


def expand(path):
    with open(path, "rb") as f:
        cals = icalendar.Calendar.from_ical(f.read(), multiple=True)
    first = None
    for cal in cals:
        for name in COMPONENTS:
            for comp in cal.walk(name):
                st = start_of(comp)
                if st is not None and (first is None or utc(st) < first):
                    first = utc(st)
    if first is None:
        return {"none": True}
    lo = datetime.datetime(first.year, 1, 1)
    hi = datetime.datetime(first.year + 10, 1, 1)
    res = {}
    for cal in cals:
        for ev in recurring_ical_events.of(cal, components=COMPONENTS).between(lo, hi):
            st = start_of(ev)
            if st is None:
                continue
            res.setdefault(str(ev.get("UID", "")), set()).add(
                utc(st).strftime("%Y%m%dT%H%M%SZ"))
    return {
        "lo": lo.strftime("%Y%m%d"),
        "hi": hi.strftime("%Y%m%d"),
        "ok": {k: sorted(v) for k, v in res.items()},
    }


def main():
    out = {}
    for path in json.load(sys.stdin):
        try:
            out[path] = expand(path)
        except Exception as e:  # one unreadable file must not hide the others
            out[path] = {"error": "%s: %s" % (type(e).__name__, e)}
    json.dump(out, sys.stdout)


main()
