package backend

import (
	"time"

	"github.com/kalends/kalends/ical"
)

// Object is a calendar object resource (RFC 4791 §4.1): the iCalendar text
// as the client sent it (the truth) and the index extracted from it.
type Object struct {
	CalendarID int64
	URI        string // last path segment, e.g. "abc.ics"
	UID        string
	Component  string // VEVENT, VTODO, VJOURNAL, VFREEBUSY
	Data       []byte // the stored iCalendar text; nil when listed without data
	ETag       string // strong entity tag of Data, quoted
	Size       int64
	CreatedAt  time.Time
	ModifiedAt time.Time
	Index      ObjectIndex
	// Instances are the occurrences to store in the instance index. Written by
	// PutObject; not loaded by reads.
	Instances []Instance
}

// ObjectIndex holds the columns extracted from an object's text.
type ObjectIndex struct {
	Start, End time.Time // master DTSTART and effective end; zero when absent
	// FirstStart and LastEnd span the whole series; LastEnd is MaxTime for an
	// open-ended series.
	FirstStart, LastEnd time.Time
	AllDay              bool
	// IndexedUntil is how far Instances reach: LastEnd, or the indexing
	// horizon for a series running past it, or the start of the first
	// occurrence left out of a series denser than the index keeps.
	IndexedUntil time.Time
	// IndexedFrom is where Instances begin: FirstStart, or the start of the
	// index window (backend.IndexWindow) for a series with more
	// occurrences before it than the index keeps.
	IndexedFrom time.Time
	Organizer   string // normalized address, "" when not a scheduling object
	Sequence    int
	ScheduleTag string // RFC 6638 §3.2.10; "" when not a scheduling object
	Transparent bool
	Status      string
}

// Instance is one occurrence of an object in the instance index.
type Instance struct {
	Start, End   time.Time // UTC
	RecurrenceID time.Time // UTC original start; zero for a non-recurring object
	Transparent  bool
	Status       string // CONFIRMED, TENTATIVE, CANCELLED or ""
	BusyType     string // BUSY, BUSY-TENTATIVE, BUSY-UNAVAILABLE or FREE
}

// MaxTime stands for "no end" in LastEnd: both stores keep it as a real
// timestamp so range comparisons stay plain comparisons.
var MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// Change is one entry of a collection's change log (RFC 6578).
type Change struct {
	URI      string
	Revision int64
	Deleted  bool
}

// InstancesOf converts expanded occurrences into the rows of the
// instance index.
func InstancesOf(insts []ical.Instance) []Instance {
	out := make([]Instance, len(insts))
	for i, in := range insts {
		out[i] = Instance{Start: in.Start, End: in.End, RecurrenceID: in.RecurrenceID,
			Transparent: in.Transparent, Status: in.Status, BusyType: in.BusyType}
	}
	return out
}
