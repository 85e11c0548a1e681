// Reads .ics files with ical.js (the parser of Thunderbird) and prints,
// as JSON keyed by file, what it understood: the calendar's properties,
// each component's UID, RECURRENCE-ID and SUMMARY, and each UID's
// occurrences (UTC starts before 2027, overrides applied).
//
// Usage: node feed_icaljs.cjs MODULES-DIR FILE...
//   MODULES-DIR holds node_modules/ical.js.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const ICAL = createRequire(path.join(path.resolve(process.argv[2]), 'index.js'))('ical.js');
const LIMIT = new Date('2027-01-01T00:00:00Z');
const MAX = 10000;

function occurrences(master, exceptions) {
  const event = new ICAL.Event(master);
  for (const e of exceptions) {
    event.relateException(e);
  }
  if (!event.isRecurring()) {
    return [event.startDate.toJSDate().toISOString()];
  }
  const out = [];
  const it = event.iterator();
  for (let t = it.next(); t && out.length < MAX; t = it.next()) {
    const details = event.getOccurrenceDetails(t);
    const start = details.startDate.toJSDate();
    if (details.recurrenceId.toJSDate() >= LIMIT) {
      break;
    }
    out.push(start.toISOString());
  }
  return out.sort();
}

function read(file) {
  ICAL.TimezoneService.reset();
  const root = new ICAL.Component(ICAL.parse(fs.readFileSync(file, 'utf8')));
  for (const tz of root.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(new ICAL.Timezone(tz));
  }
  const result = {
    calname: root.getFirstPropertyValue('x-wr-calname') || '',
    refresh: String(root.getFirstPropertyValue('refresh-interval') || ''),
    ttl: String(root.getFirstPropertyValue('x-published-ttl') || ''),
    tzids: root.getAllSubcomponents('vtimezone').map((tz) => tz.getFirstPropertyValue('tzid')),
    components: [],
    occurrences: {},
  };
  const byUID = new Map();
  for (const c of root.getAllSubcomponents('vevent')) {
    const uid = c.getFirstPropertyValue('uid');
    const rid = c.getFirstPropertyValue('recurrence-id');
    result.components.push({
      uid,
      rid: rid ? rid.toJSDate().toISOString() : '',
      summary: c.getFirstPropertyValue('summary') || '',
      alarms: c.getAllSubcomponents('valarm').length,
    });
    if (!byUID.has(uid)) {
      byUID.set(uid, { master: null, exceptions: [] });
    }
    const g = byUID.get(uid);
    if (rid) {
      g.exceptions.push(new ICAL.Event(c));
    } else {
      g.master = c;
    }
  }
  for (const [uid, g] of byUID) {
    if (g.master) {
      result.occurrences[uid] = occurrences(g.master, g.exceptions);
    }
  }
  return result;
}

const out = {};
for (const file of process.argv.slice(3)) {
  out[path.basename(file)] = read(file);
}
process.stdout.write(JSON.stringify(out));
