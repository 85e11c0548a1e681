"""Reads .ics files with python3-icalendar and prints, as JSON keyed by
file name, what it understood: the calendar's properties and each
component's UID, RECURRENCE-ID (as UTC) and SUMMARY.

Usage: python3 feed_icalendar.py FILE...
"""
import datetime
import json
import os
import sys

import icalendar


def text(value):
    if value is None:
        return ""
    if hasattr(value, "to_ical"):
        value = value.to_ical()
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return str(value)


def utc(prop):
    """A DATE-TIME as UTC ISO text; a DATE or floating time as it is."""
    if prop is None:
        return ""
    dt = prop.dt
    if isinstance(dt, datetime.datetime) and dt.tzinfo is not None:
        return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return dt.isoformat()


def read(path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    out = {
        "calname": text(cal.get("X-WR-CALNAME")),
        "refresh": text(cal.get("REFRESH-INTERVAL")),
        "ttl": text(cal.get("X-PUBLISHED-TTL")),
        "tzids": [text(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")],
        "components": [],
    }
    for c in cal.subcomponents:
        if c.name != "VEVENT":
            continue
        out["components"].append({
            "uid": text(c.get("UID")),
            "rid": utc(c.get("RECURRENCE-ID")),
            "summary": text(c.get("SUMMARY")),
            "alarms": len([s for s in c.subcomponents if s.name == "VALARM"]),
            "description": text(c.get("DESCRIPTION")),
        })
    return out


def main():
    print(json.dumps({os.path.basename(p): read(p) for p in sys.argv[1:]}))


if __name__ == "__main__":
    main()
