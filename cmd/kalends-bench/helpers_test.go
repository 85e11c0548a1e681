package main

import "testing"

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
