#!/usr/bin/python3
"""python3-caldav (Debian python3-caldav, 0.11) scheduling helpers against Kalends.

Usage: sched_invite.py URL USER PASSWORD UID

USER has been invited (by an organizer's PUT) to the event UID. The script
does what a python-caldav user does to answer: finds the schedule inbox from
the principal (principal.schedule_inbox()), lists it (ScheduleInbox.get_items()),
picks the invitation (CalendarObjectResource.is_invite_request()) and accepts it
(accept_invite()); then reads the user's copy back from the default calendar.

Prints one JSON object on stdout:
  {"steps": {NAME: {"ok": bool, "error": str, "trace": str, ...}},
   "http": [{"method", "url", "status", "request", "response"}, ...]}
where "http" lists every request the library sent (bodies only for answers
>= 400), so that a failure can be reported with the exchange that caused it.
"""

import json
import sys
import traceback

import caldav

steps = {}
http_log = []


def step(name):
    """Decorator running a step, recording its result or its exception."""

    def wrap(fn):
        try:
            extra = fn() or {}
            steps[name] = dict(ok=True, **extra)
        except Exception as exc:  # report everything; the Go test decides
            steps[name] = {
                "ok": False,
                "error": "%s: %s" % (type(exc).__name__, exc),
                "trace": traceback.format_exc(limit=6),
            }
        return fn

    return wrap


def log_response(resp, *args, **kwargs):
    req = resp.request
    entry = {"method": req.method, "url": req.url, "status": resp.status_code}
    if resp.status_code >= 400:
        body = req.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        entry["request"] = (body or "")[:4000]
        entry["response"] = resp.text[:4000]
    http_log.append(entry)


def partstat_of(component, addresses):
    """PARTSTAT of the ATTENDEE whose address is one of addresses."""
    attendees = component.get("attendee", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    want = {a.lower().replace("mailto:", "") for a in addresses}
    for a in attendees:
        if str(a).lower().replace("mailto:", "") in want:
            return str(a.params.get("PARTSTAT", "NEEDS-ACTION"))
    return "(not an attendee)"


def main():
    url, user, password, uid = sys.argv[1:5]
    client = caldav.DAVClient(url=url, username=user, password=password, timeout=30)
    client.session.hooks["response"].append(log_response)
    state = {}

    @step("discover")
    def _():
        principal = client.principal()
        state["principal"] = principal
        state["addresses"] = principal.calendar_user_address_set()
        return {
            "principal": str(principal.url),
            "addresses": state["addresses"],
            "calendars": [str(c.url) for c in principal.calendars()],
        }

    @step("inbox")
    def _():
        inbox = state["principal"].schedule_inbox()
        state["inbox"] = inbox
        return {"url": str(inbox.url)}

    @step("items")
    def _():
        items = list(state["inbox"].get_items())
        found = []
        listing = []
        for item in items:
            if item.data is None:
                item.load()
            comps = [c for c in item.icalendar_instance.subcomponents if c.name == "VEVENT"]
            item_uid = str(comps[0]["UID"]) if comps else ""
            method = str(item.icalendar_instance.get("METHOD", ""))
            listing.append({"url": str(item.url), "uid": item_uid, "method": method})
            if item_uid == uid and item.is_invite_request():
                found.append(item)
        state["invites"] = found
        return {"items": listing, "invites": len(found)}

    @step("accept")
    def _():
        invite = state["invites"][-1]
        invite.accept_invite()
        return {"invite": str(invite.url)}

    @step("copy")
    def _():
        cal = state["principal"].calendar(cal_id="calendar")
        ev = cal.event_by_uid(uid)
        ev.load()
        masters = [
            c
            for c in ev.icalendar_instance.subcomponents
            if c.name == "VEVENT" and "RECURRENCE-ID" not in c
        ]
        return {
            "url": str(ev.url),
            "partstat": partstat_of(masters[0], state["addresses"]) if masters else "(no VEVENT)",
        }

    json.dump({"steps": steps, "http": http_log}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
