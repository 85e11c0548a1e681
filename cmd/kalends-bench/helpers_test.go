package main

import (
	"strings"
	"testing"
)

// TestCountFreeBusy counts FREEBUSY properties, not their continuation
// lines nor other properties that merely start alike.
func TestCountFreeBusy(t *testing.T) {
	data := "BEGIN:VCALENDAR\r\nBEGIN:VFREEBUSY\r\nDTSTART:20250101T000000Z\r\n" +
		"FREEBUSY;FBTYPE=BUSY:20250102T100000Z/20250102T110000Z,20250103T100000Z/2\r\n" +
		" 0250103T110000Z\r\nfreebusy:20250104T100000Z/PT1H\r\nFREEBUSYX:1\r\n" +
		"FREEBUSY;FBTYPE=BUSY-TENTATIVE:20250105T100000Z/20250105T110000Z\r\n" +
		"END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
	if n := countFreeBusy([]byte(data)); n != 3 {
		t.Errorf("countFreeBusy = %d, want 3", n)
	}
	if n := countFreeBusy(nil); n != 0 {
		t.Errorf("countFreeBusy(nil) = %d, want 0", n)
	}
}

// TestThousands groups digits as the targets print them.
func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 5000: "5,000", 20000: "20,000", 1234567: "1,234,567", -5000: "-5,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestRequestStatuses reads the request-status of each recipient of a
// schedule-response, whatever the prefix, and not the closing tags.
func TestRequestStatuses(t *testing.T) {
	data := `<?xml version="1.0"?><C:schedule-response xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:">` +
		`<C:response><C:recipient><D:href>mailto:a@example.com</D:href></C:recipient>` +
		`<C:request-status>2.0;Success</C:request-status><C:calendar-data>BEGIN:VCALENDAR</C:calendar-data></C:response>` +
		`<response xmlns="urn:ietf:params:xml:ns:caldav"><request-status> 3.7;Invalid calendar user </request-status></response>` +
		`</C:schedule-response>`
	got := requestStatuses([]byte(data))
	if len(got) != 2 || got[0] != "2.0;Success" || got[1] != "3.7;Invalid calendar user" {
		t.Errorf("requestStatuses = %q", got)
	}
}

// TestCheckOrganizerCopy accepts a copy where the room accepted and every
// attendee has a SCHEDULE-STATUS (folded lines included), and rejects the
// others.
func TestCheckOrganizerCopy(t *testing.T) {
	const org, room = "bench@example.com", "room01@example.com"
	ok := "BEGIN:VEVENT\r\nORGANIZER:mailto:bench@example.com\r\n" +
		"ATTENDEE;PARTSTAT=ACCEPTED:mailto:bench@example.com\r\n" +
		"ATTENDEE;PARTSTAT=NEEDS-ACTION;SCHEDULE-STATUS=1.2:mailto:att01@example.com\r\n" +
		"ATTENDEE;CUTYPE=ROOM;SCHEDULE-STATUS=1.2;PARTSTAT=ACC\r\n EPTED:mailto:ROOM01@example.com\r\nEND:VEVENT\r\n"
	if err := checkOrganizerCopy(ok, org, room, 2); err != nil {
		t.Errorf("good copy: %v", err)
	}
	for name, bad := range map[string]string{
		"declined":  strings.Replace(ok, "ACC\r\n EPTED", "DECLINED", 1),
		"no status": strings.Replace(ok, "NEEDS-ACTION;SCHEDULE-STATUS=1.2", "NEEDS-ACTION", 1),
		"no room":   strings.Replace(ok, "ROOM01", "room02", 1),
	} {
		if err := checkOrganizerCopy(bad, org, room, 2); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := checkOrganizerCopy(ok, org, room, 3); err == nil {
		t.Errorf("wrong count: accepted")
	}
}
