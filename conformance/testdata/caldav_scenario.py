#!/usr/bin/python3
"""A python3-caldav (Debian python3-caldav, 0.11) session against Kalends.

Usage: caldav_scenario.py URL USER PASSWORD

Runs the steps a script using python-caldav takes -- discovery from the base
URL, listing and creating calendars, saving events (single, recurring with
RRULE+EXDATE, overridden with RECURRENCE-ID) and a VTODO, a date-range search
with expand, fetch by UID, update, delete, sync by token -- and prints one
JSON object on stdout: {"steps": {NAME: {"ok": bool, "error": str, ...}}}.
A failing step is recorded and the scenario goes on where it can, so that the
Go test (conformance/pycaldav_test.go) can report every problem at once.
"""

import json
import os
import sys
import traceback
from datetime import datetime, timezone

import caldav
from caldav.lib import error

HERE = os.path.dirname(os.path.abspath(__file__))
UTC = timezone.utc

steps = {}


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
                "trace": traceback.format_exc(limit=4),
            }
        return fn

    return wrap


def fixture(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read().replace("\r\n", "\n").replace("\n", "\r\n")


def main():
    url, user, password = sys.argv[1:4]
    client = caldav.DAVClient(url=url, username=user, password=password, timeout=30)
    state = {}

    @step("discover")
    def _():
        principal = client.principal()
        state["principal"] = principal
        return {
            "principal": str(principal.url),
            "home": str(principal.calendar_home_set.url),
        }

    @step("list_calendars")
    def _():
        cals = state["principal"].calendars()
        return {"calendars": sorted(str(c.url) for c in cals)}

    @step("make_calendar")
    def _():
        cal = state["principal"].make_calendar(
            name="Python scenario",
            cal_id="pyscenario",
            supported_calendar_component_set=["VEVENT", "VTODO"],
        )
        state["cal"] = cal
        names = sorted(str(c.url) for c in state["principal"].calendars())
        return {"url": str(cal.url), "calendars_after": names, "displayname": cal.get_display_name()}

    @step("save")
    def _():
        cal = state["cal"]
        saved = {}
        for name in ("single.ics", "recurring.ics", "override.ics"):
            saved[name] = str(cal.save_event(fixture(name)).url)
        todo = cal.save_todo(fixture("todo.ics"))
        saved["todo.ics"] = str(todo.url)
        state["todo"] = todo
        return {"saved": saved}

    @step("sync_initial")
    def _():
        coll = state["cal"].objects_by_sync_token(load_objects=False)
        state["sync"] = coll
        return {"token": coll.sync_token, "count": len(list(coll))}

    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = datetime(2026, 4, 1, tzinfo=UTC)

    @step("search_range")
    def _():
        found = state["cal"].search(start=start, end=end, event=True)
        return {"count": len(found)}

    @step("search_expand")
    def _():
        # What a script sees: python-caldav expands on the client when the
        # server did not, so also look at what the server itself sent.
        found = state["cal"].search(start=start, end=end, event=True, expand=True)
        xml, comp_class = state["cal"].build_search_xml_query(
            event=True, expand=True, start=start, end=end
        )
        _, raw = state["cal"]._request_report_build_resultlist(xml, comp_class)
        server_expanded = all("RRULE" not in (o.data or "") for o in raw)
        starts = sorted(
            str(o.icalendar_instance.walk("VEVENT")[0]["DTSTART"].dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
            for o in found
        )
        return {"instances": len(found), "starts": starts, "server_expanded": server_expanded,
                "server_objects": len(raw)}

    @step("fetch_by_uid")
    def _():
        ev = state["cal"].event_by_uid("recurring-1@kalends.test")
        todo = state["cal"].todo_by_uid("todo-1@kalends.test")
        return {"event_has_rrule": "RRULE:" in ev.data, "todo_summary": str(todo.icalendar_instance.walk("VTODO")[0]["SUMMARY"])}

    @step("update")
    def _():
        ev = state["cal"].event_by_uid("single-1@kalends.test")
        ev.vobject_instance.vevent.summary.value = "Single event, renamed by python"
        ev.save()
        again = state["cal"].event_by_url(ev.url)
        again.load()
        return {"summary": again.vobject_instance.vevent.summary.value}

    @step("delete")
    def _():
        state["todo"].delete()
        try:
            state["cal"].todo_by_uid("todo-1@kalends.test")
            gone = False
        except error.NotFoundError:
            gone = True
        return {"gone": gone}

    @step("sync_incremental")
    def _():
        coll = state["sync"]
        old = coll.sync_token
        updated, deleted = coll.sync()
        return {
            "token_changed": coll.sync_token != old,
            "updated": sorted(str(o.url) for o in updated),
            "deleted": sorted(str(o.url) for o in deleted),
        }

    json.dump({"steps": steps}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
