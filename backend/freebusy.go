package backend

import "time"

// BusyPeriod is busy time the instance index holds for free-busy (RFC 4791
// §7.10, RFC 6638 §5): one opaque, not cancelled VEVENT occurrence.
type BusyPeriod struct {
	CalendarID int64
	Start, End time.Time // clipped to the range asked about
	BusyType   string    // FBTYPE: BUSY, BUSY-TENTATIVE or BUSY-UNAVAILABLE
}

// FreeBusy is what free-busy needs of a set of calendars over a time range.
type FreeBusy struct {
	// Periods are the occurrences overlapping the range of the VEVENTs
	// the index answers for, leaving out those that are transparent,
	// CANCELLED or of busy type FREE, each clipped to the range.
	Periods []BusyPeriod
	// Objects, with their data, are those the index cannot answer for:
	// stored VFREEBUSY components, and VEVENT series indexed short of the
	// range's end (ListOptions.Unindexed). Their time is not in Periods;
	// the caller reads it from their data.
	Objects []*Object
}
