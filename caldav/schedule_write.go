package caldav

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/scheduling"
)

// putScheduled is PUT of a scheduling object resource (RFC 6638 §3.2.1-
// §3.2.3): process, deliver and store in one transaction, then answer
// with the Schedule-Tag and, only when the stored bytes are the client's,
// the ETag (RFC 4791 §5.3.4).
func (h *Handler) putScheduled(w http.ResponseWriter, r *http.Request, res *resource, req *backend.PutObjectRequest,
	newCal *goical.Calendar, sent []byte) error {
	ctx := r.Context()
	// A delegate schedules as the owner of the calendar it writes to.
	actor := res.principal
	pre, err := h.store.Object(ctx, res.cal.ID, res.objURI)
	if err != nil && !errors.Is(err, backend.ErrNotFound) {
		return err
	}
	preCal, _ := parseStored(pre)
	s, err := h.newScheduler(ctx, actor, newCal, preCal)
	if err != nil {
		return err
	}
	var result *backend.PutObjectResult
	var stored *backend.Object
	err = h.store.Update(ctx, func(tx backend.TxStore) error {
		if err := s.begin(tx, req.Object.UID); err != nil {
			return err
		}
		old, err := tx.Object(ctx, res.cal.ID, res.objURI)
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
		sr, err := s.processAs(actor, oldCal, newCal, false)
		if err != nil {
			return schedError(err)
		}
		obj := req.Object
		if sr.Role == scheduling.RoleNone {
			if err := s.forgedOrganizer(newCal); err != nil {
				return err
			}
		} else {
			if err := s.uniqueSchedulingObject(actor, res.cal.ID, obj.UID); err != nil {
				return err
			}
			if err := s.deliverAll(actor, sr); err != nil {
				return err
			}
			data := ical.EncodeText(sr.Object)
			if !bytes.Equal(data, obj.Data) {
				if obj, err = h.objectFor(res.cal, res.objURI, sr.Object); err != nil {
					return err
				}
			}
			// Every write by the organizer or the attendee themselves
			// is a change of the object: a new tag (RFC 6638 §3.2.10).
			obj.Index.ScheduleTag = newScheduleTag()
		}
		// The actor's object goes last, with the copies and inbox
		// messages of the deliveries (schedule_tx.go).
		put := *req
		put.Object = obj
		results, err := s.flush(&put)
		if err != nil {
			return err
		}
		result, stored = results[0], obj
		return nil
	})
	var conflict *backend.UIDConflictError
	if errors.As(err, &conflict) {
		return &Error{Status: http.StatusConflict, Condition: condNoUIDConflict,
			Hrefs:  []string{h.basePath() + collectionPath(res.principal, res.cal) + conflict.URI},
			Detail: "UID " + req.Object.UID + " is already used by another resource of this calendar"}
	}
	if err != nil {
		return err
	}
	if bytes.Equal(stored.Data, sent) {
		w.Header().Set("ETag", result.ETag)
	}
	if stored.Index.ScheduleTag != "" {
		w.Header().Set("Schedule-Tag", stored.Index.ScheduleTag)
	}
	if result.Created {
		w.Header().Set("Location", h.href(res.path))
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// deleteScheduled is DELETE of a scheduling object resource: CANCEL to
// every attendee when the organizer deletes, a DECLINED REPLY when an
// attendee does, unless "Schedule-Reply: F" (RFC 6638 §3.2.3, §8.1).
// ifMatch is the checked ETag ("" = none); If-Schedule-Tag-Match is
// checked inside the transaction (RFC 6638 §8.3).
func (h *Handler) deleteScheduled(r *http.Request, res *resource, ifMatch string) error {
	ctx := r.Context()
	// A delegate schedules as the owner of the calendar it writes to.
	actor := res.principal
	pre, err := h.store.Object(ctx, res.cal.ID, res.objURI)
	if err != nil {
		return err
	}
	preCal, err := parseStored(pre)
	if err != nil {
		return err
	}
	s, err := h.newScheduler(ctx, actor, preCal)
	if err != nil {
		return err
	}
	noReply := strings.EqualFold(strings.TrimSpace(r.Header.Get("Schedule-Reply")), "F")
	ifTag := strings.TrimSpace(r.Header.Get("If-Schedule-Tag-Match"))
	return h.store.Update(ctx, func(tx backend.TxStore) error {
		if err := s.begin(tx, pre.UID); err != nil {
			return err
		}
		old, err := tx.Object(ctx, res.cal.ID, res.objURI)
		if err != nil {
			return err
		}
		if ifMatch != "" && old.ETag != ifMatch || ifTag != "" && old.Index.ScheduleTag != ifTag {
			return backend.ErrPreconditionFailed
		}
		oldCal, err := parseStored(old)
		if err != nil {
			return err
		}
		// A stored object the rules now refuse (an older server wrote it)
		// is still deleted, only without messages.
		if sr, err := s.processAs(actor, oldCal, nil, noReply); err == nil && sr.Role != scheduling.RoleNone {
			if err := s.deliverAll(actor, sr); err != nil {
				return err
			}
			if _, err := s.flush(); err != nil {
				return err
			}
		}
		_, err = tx.DeleteObject(ctx, res.cal.ID, res.objURI, old.ETag)
		return err
	})
}
