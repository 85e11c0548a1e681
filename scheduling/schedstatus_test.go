package scheduling

import "testing"

// TestSetScheduleStatusText: an organizer's copy gets the status on the
// recipient's ATTENDEE, an attendee's copy on the ORGANIZER; addresses
// compare as calendar user addresses (mailto: is case-insensitive).
func TestSetScheduleStatusText(t *testing.T) {
	obj := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nORGANIZER;CN=Olga:mailto:olga@elsewhere.example\r\n" +
		"ATTENDEE;SCHEDULE-STATUS=1.1:MAILTO:dave@elsewhere.example\r\nATTENDEE:mailto:bob@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	out, ok := SetScheduleStatusText([]byte(obj), RoleOrganizer, "mailto:Dave@elsewhere.example", StatusFailed)
	want := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nORGANIZER;CN=Olga:mailto:olga@elsewhere.example\r\n" +
		"ATTENDEE;SCHEDULE-STATUS=5.1:MAILTO:dave@elsewhere.example\r\nATTENDEE:mailto:bob@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if !ok || string(out) != want {
		t.Fatalf("organizer role: %v\n%q", ok, out)
	}
	out, ok = SetScheduleStatusText([]byte(obj), RoleAttendee, "mailto:olga@elsewhere.example", StatusFailed)
	want = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nORGANIZER;CN=Olga;SCHEDULE-STATUS=5.1:mailto:olga@elsewhere.example\r\n" +
		"ATTENDEE;SCHEDULE-STATUS=1.1:MAILTO:dave@elsewhere.example\r\nATTENDEE:mailto:bob@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if !ok || string(out) != want {
		t.Fatalf("attendee role: %v\n%q", ok, out)
	}
	if _, ok := SetScheduleStatusText([]byte(obj), RoleOrganizer, "mailto:nobody@elsewhere.example", StatusFailed); ok {
		t.Fatal("changed an object that does not name the recipient")
	}
	if _, ok := SetScheduleStatusText([]byte(obj), RoleOrganizer, "mailto:dave@elsewhere.example", StatusSent); ok {
		t.Fatal("changed a status to the value it had")
	}
}
