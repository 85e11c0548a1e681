package calendar

import (
	"bytes"
	"context"
	"errors"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/scheduling"
)

// PutRequest is a write of one calendar object resource.
type PutRequest struct {
	// Owner owns Calendar. Implicit scheduling acts as the owner: a
	// delegate writing to the owner's calendar schedules as the owner.
	Owner    *backend.Principal
	Calendar *backend.Calendar
	URI      string
	Data     []byte
	// Conditions checked atomically with the write: IfMatch, when not "",
	// must be the stored ETag; IfNoneMatch: no object may be stored yet;
	// IfScheduleTagMatch, when not "", must be the stored Schedule-Tag
	// (RFC 6638 §8.3). Otherwise ErrPreconditionFailed.
	IfMatch            string
	IfNoneMatch        bool
	IfScheduleTagMatch string
	// Existing, when not nil, is what the caller already read of the
	// resource (nil Object: nothing), so that it is not read again.
	Existing *Existing
}

// Existing is what a caller read of a resource: Object is nil when there
// was none.
type Existing struct{ Object *backend.Object }

// PutResult says what Put stored.
type PutResult struct {
	Created bool
	ETag    string
	// Verbatim is true when the stored bytes are exactly those sent; only
	// then may a front door hand out the ETag as the ETag of what the
	// client sent (RFC 4791 §5.3.4).
	Verbatim bool
	// ScheduleTag is the stored Schedule-Tag ("" when the object is not
	// a scheduling object resource, RFC 6638 §3.2.10).
	ScheduleTag string
}

// Put validates, indexes and stores one calendar object resource. A
// scheduling object resource, or one that was and no longer is (the
// organizer dropped every attendee: CANCEL), goes through implicit
// scheduling (RFC 6638 §3.2): the object, each local recipient's copy and
// inbox message, room bookings and the mail queued for recipients outside
// the server are one transaction.
func (s *Service) Put(ctx context.Context, req *PutRequest) (*PutResult, error) {
	obj, cal, err := s.Prepare(req.Calendar, req.URI, req.Data)
	if err != nil {
		return nil, err
	}
	put := &backend.PutObjectRequest{CalendarID: req.Calendar.ID, Object: obj, IfMatch: req.IfMatch,
		IfNoneMatch: req.IfNoneMatch, IfScheduleTagMatch: req.IfScheduleTagMatch}
	scheduled := hasScheduling(cal)
	if !scheduled && schedComponent(cal) != "" {
		cur, err := s.existing(ctx, req.Calendar, req.URI, req.Existing)
		if err != nil {
			return nil, err
		}
		scheduled = cur != nil && cur.Index.Organizer != ""
	}
	if scheduled {
		return s.putScheduled(ctx, req, put, cal)
	}
	result, err := s.store.PutObject(ctx, put)
	if err != nil {
		return nil, uidConflict(err, req.Owner, req.Calendar, obj.UID)
	}
	return &PutResult{Created: result.Created, ETag: result.ETag, Verbatim: len(obj.Data) == len(req.Data)}, nil
}

// existing returns the stored object at uri (without its data), nil when
// there is none, using what the caller read when it did.
func (s *Service) existing(ctx context.Context, c *backend.Calendar, uri string, known *Existing) (*backend.Object, error) {
	if known != nil {
		return known.Object, nil
	}
	list, err := s.store.ListObjects(ctx, c.ID, &backend.ListOptions{URIs: []string{uri}})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// putScheduled is Put of a scheduling object resource (RFC 6638 §3.2.1-
// §3.2.3): process, deliver and store in one transaction.
func (s *Service) putScheduled(ctx context.Context, req *PutRequest, put *backend.PutObjectRequest, newCal *goical.Calendar) (*PutResult, error) {
	actor := req.Owner
	pre, err := s.store.Object(ctx, req.Calendar.ID, req.URI)
	if err != nil && !errors.Is(err, backend.ErrNotFound) {
		return nil, err
	}
	preCal, _ := parseStored(pre)
	sch, err := s.newScheduler(ctx, actor, newCal, preCal)
	if err != nil {
		return nil, err
	}
	var result *backend.PutObjectResult
	var stored *backend.Object
	err = s.store.Update(ctx, func(tx backend.TxStore) error {
		if err := sch.begin(tx, put.Object.UID); err != nil {
			return err
		}
		old, err := tx.Object(ctx, req.Calendar.ID, req.URI)
		if errors.Is(err, backend.ErrNotFound) {
			old, err = nil, nil
		}
		if err != nil {
			return err
		}
		oldCal, err := parseStored(old)
		if err != nil {
			return err
		}
		sr, err := sch.processAs(actor, oldCal, newCal, false)
		if err != nil {
			return err
		}
		obj := put.Object
		if sr.Role == scheduling.RoleNone {
			if err := sch.forgedOrganizer(newCal); err != nil {
				return err
			}
		} else {
			if err := sch.uniqueSchedulingObject(actor, req.Calendar.ID, obj.UID); err != nil {
				return err
			}
			if err := sch.deliverAll(actor, sr); err != nil {
				return err
			}
			data := ical.EncodeText(sr.Object)
			if !bytes.Equal(data, obj.Data) {
				if obj, err = s.objectFor(req.Calendar, req.URI, sr.Object); err != nil {
					return err
				}
			}
			obj.Index.ScheduleTag = scheduleTagOf(sr.Object)
		}
		// The actor's object goes last, with the copies and inbox
		// messages of the deliveries (schedule_tx.go).
		mine := *put
		mine.Object = obj
		results, err := sch.flush(&mine)
		if err != nil {
			return err
		}
		result, stored = results[0], obj
		return nil
	})
	if err != nil {
		return nil, uidConflict(err, req.Owner, req.Calendar, put.Object.UID)
	}
	return &PutResult{Created: result.Created, ETag: result.ETag, Verbatim: bytes.Equal(stored.Data, req.Data),
		ScheduleTag: stored.Index.ScheduleTag}, nil
}

// DeleteRequest is the deletion of one calendar object resource.
type DeleteRequest struct {
	Owner    *backend.Principal // owns Calendar; scheduling acts as the owner
	Calendar *backend.Calendar
	URI      string
	// IfMatch and IfScheduleTagMatch, when not "", must be the stored
	// ETag and Schedule-Tag, checked with the deletion.
	IfMatch            string
	IfScheduleTagMatch string
	// NoReply: an attendee deleting a meeting sends no DECLINED reply
	// ("Schedule-Reply: F", RFC 6638 §8.1).
	NoReply  bool
	Existing *Existing
}

// Delete removes one calendar object resource. Deleting a scheduling
// object resource sends, in the same transaction, a CANCEL to every
// attendee when the organizer deletes it, a DECLINED REPLY when an
// attendee does (RFC 6638 §3.2.3). ErrNotFound when there is none.
func (s *Service) Delete(ctx context.Context, req *DeleteRequest) error {
	cur, err := s.existing(ctx, req.Calendar, req.URI, req.Existing)
	if err != nil {
		return err
	}
	if cur == nil {
		return backend.ErrNotFound
	}
	if cur.Index.Organizer == "" {
		_, err := s.store.DeleteObject(ctx, req.Calendar.ID, req.URI, req.IfMatch)
		return err
	}
	return s.deleteScheduled(ctx, req)
}

// deleteScheduled is Delete of a scheduling object resource; the
// conditions are checked inside the transaction (RFC 6638 §8.3).
func (s *Service) deleteScheduled(ctx context.Context, req *DeleteRequest) error {
	actor := req.Owner
	pre, err := s.store.Object(ctx, req.Calendar.ID, req.URI)
	if err != nil {
		return err
	}
	preCal, err := parseStored(pre)
	if err != nil {
		return err
	}
	sch, err := s.newScheduler(ctx, actor, preCal)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx backend.TxStore) error {
		if err := sch.begin(tx, pre.UID); err != nil {
			return err
		}
		old, err := tx.Object(ctx, req.Calendar.ID, req.URI)
		if err != nil {
			return err
		}
		if req.IfMatch != "" && old.ETag != req.IfMatch || req.IfScheduleTagMatch != "" && old.Index.ScheduleTag != req.IfScheduleTagMatch {
			return backend.ErrPreconditionFailed
		}
		oldCal, err := parseStored(old)
		if err != nil {
			return err
		}
		// A stored object the rules now refuse (an older server wrote it)
		// is still deleted, only without messages.
		if sr, err := sch.processAs(actor, oldCal, nil, req.NoReply); err == nil && sr.Role != scheduling.RoleNone {
			if err := sch.deliverAll(actor, sr); err != nil {
				return err
			}
			if _, err := sch.flush(); err != nil {
				return err
			}
		}
		_, err = tx.DeleteObject(ctx, req.Calendar.ID, req.URI, old.ETag)
		return err
	})
}

// CopyRequest copies or moves a calendar object resource between (or
// within) calendars.
type CopyRequest struct {
	Source *Location // with the stored object, its data included
	Object *backend.Object
	Dest   *Location
	// DestObject is the object stored at Dest, nil when there is none: it
	// is replaced only if it is still the one the caller saw.
	DestObject *backend.Object
	Move       bool
}

// Copy stores the source object at the destination with the checks of a
// Put (the destination calendar may refuse its component, RFC 4791
// §5.3.2.1) and, for a MOVE, deletes the source in the same transaction:
// the object is never lost nor doubled. Neither is scheduled: the
// meeting is the same, only its place changed.
func (s *Service) Copy(ctx context.Context, req *CopyRequest) (*PutResult, error) {
	obj, _, err := s.Prepare(req.Dest.Calendar, req.Dest.URI, req.Object.Data)
	if err != nil {
		return nil, err
	}
	put := &backend.PutObjectRequest{CalendarID: req.Dest.Calendar.ID, Object: obj}
	if req.DestObject == nil {
		put.IfNoneMatch = true
	} else {
		put.IfMatch = req.DestObject.ETag
	}
	if req.Move {
		put.MoveFrom = &backend.ObjectRef{CalendarID: req.Source.Calendar.ID, URI: req.Source.URI, IfMatch: req.Object.ETag}
	}
	result, err := s.store.PutObject(ctx, put)
	if err != nil {
		return nil, uidConflict(err, req.Dest.Owner, req.Dest.Calendar, obj.UID)
	}
	return &PutResult{Created: result.Created, ETag: result.ETag, Verbatim: true}, nil
}
