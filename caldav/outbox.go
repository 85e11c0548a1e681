package caldav

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
	"github.com/kalends/kalends/scheduling"
)

// maxFreeBusyRecipients is the most recipients one outbox free-busy POST
// may ask about. They are read together, but each adds its calendars to
// the one index read; 100 covers any meeting a person plans by hand (Apple's
// server and Stalwart use limits of the same order).
const maxFreeBusyRecipients = 100

// Preconditions of the outbox POST. RFC 6638 §5 lists supported-collection,
// supported-calendar-data, valid-calendar-data, valid-scheduling-message
// and organizer-allowed; originator-allowed comes from the drafts that
// defined the Originator header (draft-desruisseaux-caldav-sched, before
// RFC 6638 dropped it), which Thunderbird still sends. RFC 6638 defines
// no precondition for "too
// many recipients": the ATTENDEEs of the one VFREEBUSY are the attendees
// of one instance, so RFC 4791's CALDAV:max-attendees-per-instance
// (§5.3.2.1, the limit of §5.2.9) is the standard element that says it.
var (
	condSupportedCollection = dx.CalDAVName("supported-collection")
	condValidSchedulingMsg  = dx.CalDAVName("valid-scheduling-message")
	condOrganizerAllowed    = dx.CalDAVName("organizer-allowed")
	condOriginatorAllowed   = dx.CalDAVName("originator-allowed")
	condMaxAttendees        = dx.CalDAVName("max-attendees-per-instance")
)

// iTIP REQUEST-STATUS values of a schedule-response (RFC 5546 §3.6).
const (
	statusSuccess        = "2.0;Success"
	statusInvalidCalUser = "3.7;Invalid calendar user"
)

// post dispatches POST. The only POST target of the DAV tree is a
// scheduling outbox (RFC 6638 §2.1): anything else is 405.
func (h *Handler) post(w http.ResponseWriter, r *http.Request) error {
	res, err := h.resolve(r.Context(), h.davPath(r))
	if err != nil {
		// Someone else's outbox resolves to 403 need-privileges here:
		// only the owner may send from it (RFC 6638 §6.2, §11.3 item 2).
		return err
	}
	if res.kind != resCollection || res.cal == nil || res.cal.Kind != backend.CollectionOutbox {
		w.Header().Set("Allow", allowHeader)
		return conditionf(http.StatusMethodNotAllowed, condSupportedCollection,
			"POST is only allowed on a scheduling outbox")
	}
	return h.outboxPost(w, r, res)
}

// outboxPost answers a free-busy request POSTed to the user's own outbox
// (RFC 6638 §5): a VFREEBUSY with METHOD:REQUEST (RFC 5546 §3.3.2) whose
// ORGANIZER is the user and whose ATTENDEEs are the people, rooms and
// resources asked about. The answer is a CALDAV:schedule-response with,
// per recipient, a REQUEST-STATUS and a VFREEBUSY REPLY holding busy
// periods only: no titles, locations or attendees of anyone's events.
//
// The old-draft Originator and Recipient headers (Thunderbird) are
// accepted but not required: an Originator must be one of the user's
// addresses, and Recipient addresses are answered along with the
// ATTENDEEs (each address once).
func (h *Handler) outboxPost(w http.ResponseWriter, r *http.Request, res *resource) error {
	// The outbox's owner: a delegate asks as the principal it acts for.
	user := res.principal
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "text/calendar" {
			return conditionf(http.StatusUnsupportedMediaType, condSupportedCalendarData,
				"scheduling messages must be text/calendar, not %q", ct)
		}
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, h.svc.MaxResourceSize()+1))
	if err != nil {
		return errorf(http.StatusBadRequest, "reading the body: %v", err)
	}
	if int64(len(data)) > h.svc.MaxResourceSize() {
		return errorf(http.StatusRequestEntityTooLarge, "scheduling messages may be at most %d bytes", h.svc.MaxResourceSize())
	}
	cal, err := ical.Parse(data)
	if err != nil {
		return conditionf(http.StatusBadRequest, condValidCalendarData, "the body is not iCalendar data: %v", err)
	}
	if !isFreeBusyRequest(cal) {
		// With calendar-auto-schedule the server sends invitations,
		// replies and cancellations itself when objects are stored (RFC
		// 6638 §3.2); the outbox only answers free-busy requests (§5).
		return conditionf(http.StatusForbidden, condValidSchedulingMsg,
			"the outbox accepts only VFREEBUSY requests (METHOD:REQUEST); this server schedules "+
				"invitations itself (calendar-auto-schedule): store the event in a calendar with PUT instead")
	}
	if n := countComponents(cal, "VFREEBUSY"); n != 1 {
		// RFC 5546 §3.3.2: a free-busy REQUEST carries one VFREEBUSY.
		// Answering the first of several would drop the others silently.
		return conditionf(http.StatusForbidden, condValidCalendarData,
			"a free-busy request holds exactly one VFREEBUSY component, not %d", n)
	}
	q, err := scheduling.ParseFreeBusyRequest(cal)
	if err != nil {
		var me *scheduling.MessageError
		if errors.As(err, &me) {
			return conditionf(http.StatusForbidden, condValidSchedulingMsg, "%s", me.Reason)
		}
		return err
	}
	// RFC 6638 §11.3 item 1: the ORGANIZER must be the owner of the
	// outbox, or anyone could read free-busy in someone else's name.
	if !h.ownsAddress(user, q.Organizer) {
		return conditionf(http.StatusForbidden, condOrganizerAllowed,
			"ORGANIZER %s is not one of your calendar user addresses", q.Organizer)
	}
	if o := strings.TrimSpace(r.Header.Get("Originator")); o != "" && !h.ownsAddress(user, o) {
		return conditionf(http.StatusForbidden, condOriginatorAllowed,
			"Originator %s is not one of your calendar user addresses", o)
	}
	recipients := uniqueAddresses(append(q.Attendees, headerAddresses(r.Header.Values("Recipient"))...))
	if len(recipients) > maxFreeBusyRecipients {
		return conditionf(http.StatusForbidden, condMaxAttendees,
			"a free-busy request may name at most %d recipients, not %d", maxFreeBusyRecipients, len(recipients))
	}
	responses, err := h.freeBusyResponses(r.Context(), q, recipients)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := dx.WriteScheduleResponse(&buf, responses); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// freeBusyResponses answers every recipient, in the order given, with
// three store calls whatever their number: the recipients' principals,
// their calendars and the busy time of all their opaque calendars
// (Store.FreeBusy). The first store error fails the whole request.
func (h *Handler) freeBusyResponses(ctx context.Context, q *scheduling.FreeBusyQuery, recipients []string) ([]dx.RecipientResponse, error) {
	owners, err := h.addressPrincipals(ctx, recipients)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, p := range owners {
		if p != nil && !slices.Contains(ids, p.ID) {
			ids = append(ids, p.ID)
		}
	}
	all, err := h.store.CalendarsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	var cals []*backend.Calendar
	for _, c := range all {
		if c.Kind == backend.CollectionCalendar && !c.Transparent {
			cals = append(cals, c)
		}
	}
	busy, err := h.svc.BusyTime(ctx, cals, q.Start, q.End)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]dx.RecipientResponse, len(recipients))
	for i, addr := range recipients {
		out[i] = recipientFreeBusy(q, addr, owners[i], cals, busy, now)
	}
	return out, nil
}

// isFreeBusyRequest reports whether cal is an iTIP free-busy request: its
// METHOD is REQUEST and it holds a VFREEBUSY (RFC 5546 §3.3.2). Anything
// else (a VEVENT REQUEST, a REPLY...) is implicit scheduling's business.
func isFreeBusyRequest(cal *goical.Calendar) bool {
	if p := cal.Props.Get("METHOD"); p == nil || !strings.EqualFold(strings.TrimSpace(p.Value), "REQUEST") {
		return false
	}
	for _, c := range cal.Children {
		if c.Name == "VFREEBUSY" {
			return true
		}
	}
	return false
}

// recipientFreeBusy builds the C:response of one recipient: 3.7 for an
// address no local principal owns (p nil), otherwise 2.0 and a VFREEBUSY
// REPLY of the busy time in the recipient's opaque calendars (RFC 6638
// §9.1), read the way free-busy-query reads it (transparent and
// cancelled occurrences left out, series beyond the index horizon
// expanded): busy holds it by calendar, for the calendars cals.
func recipientFreeBusy(q *scheduling.FreeBusyQuery, addr string, p *backend.Principal, cals []*backend.Calendar,
	busy map[int64][]calendar.Busy, now time.Time) dx.RecipientResponse {
	rr := dx.RecipientResponse{Recipient: addr}
	if p == nil {
		rr.RequestStatus = statusInvalidCalUser
		return rr
	}
	var mine []calendar.Busy
	for _, c := range cals {
		if c.PrincipalID == p.ID {
			mine = append(mine, busy[c.ID]...)
		}
	}
	var periods []scheduling.Period
	types, byType := calendar.BusyByType(mine, q.Start, q.End)
	for _, t := range types {
		for _, b := range calendar.MergeBusy(byType[t]) {
			periods = append(periods, scheduling.Period{Start: b.Start.UTC(), End: b.End.UTC(), Type: t})
		}
	}
	sort.SliceStable(periods, func(i, j int) bool { return periods[i].Start.Before(periods[j].Start) })
	rr.RequestStatus = statusSuccess
	rr.CalendarData = string(ical.EncodeText(scheduling.FreeBusyReply(q, addr, periods, now)))
	return rr
}

// addressPrincipals finds the owner of each address (nil for none), the
// mailto: ones in one query.
func (h *Handler) addressPrincipals(ctx context.Context, addrs []string) ([]*backend.Principal, error) {
	out := make([]*backend.Principal, len(addrs))
	var emails []string
	for i, a := range addrs {
		if _, ok := h.principalAddressPath(a); ok {
			p, err := h.addressPrincipal(ctx, a)
			if err != nil {
				return nil, err
			}
			out[i] = p
		} else if e := backend.NormalizeEmail(a); strings.Contains(e, "@") {
			emails = append(emails, e)
		}
	}
	if len(emails) == 0 {
		return out, nil
	}
	ps, err := h.store.PrincipalsByEmail(ctx, emails)
	if err != nil {
		return nil, err
	}
	byEmail := map[string]*backend.Principal{}
	for _, p := range ps {
		for _, e := range p.Emails {
			byEmail[e] = p
		}
	}
	for i, a := range addrs {
		if out[i] == nil {
			out[i] = byEmail[backend.NormalizeEmail(a)]
		}
	}
	return out, nil
}

// addressPrincipal finds the local principal owning a calendar user
// address: a mailto: address, compared case-insensitively (RFC 6638
// §2.4.1), or the URL or path of a principal, which
// calendar-user-address-set also lists. nil, nil when nobody owns it.
func (h *Handler) addressPrincipal(ctx context.Context, addr string) (*backend.Principal, error) {
	if path, ok := h.principalAddressPath(addr); ok {
		res, err := h.resolvePrincipal(ctx, path, strings.Split(strings.Trim(strings.TrimPrefix(path, principalsRoot), "/"), "/"))
		if err != nil || res.kind != resPrincipal {
			var de *Error
			if err == nil || errors.As(err, &de) {
				return nil, nil
			}
			return nil, err
		}
		return res.principal, nil
	}
	email := backend.NormalizeEmail(addr)
	if email == "" || !strings.Contains(email, "@") {
		return nil, nil
	}
	p, err := h.store.PrincipalByEmail(ctx, email)
	if errors.Is(err, backend.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// principalAddressPath turns an http(s) URL or absolute path naming a
// principal into its server path ("/dav/principals/KIND/NAME/").
func (h *Handler) principalAddressPath(addr string) (string, bool) {
	addr = strings.TrimSpace(addr)
	lower := strings.ToLower(addr)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(addr, "/") {
		return "", false
	}
	u, err := url.Parse(addr)
	if err != nil {
		return "", false
	}
	p := u.Path
	if b := h.basePath(); b != "" {
		p = strings.TrimPrefix(p, b)
	}
	if !strings.HasPrefix(p, principalsRoot) {
		return "", false
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p, true
}

// ownsAddress reports whether addr is one of user's calendar user
// addresses (those of calendar-user-address-set).
func (h *Handler) ownsAddress(user *backend.Principal, addr string) bool {
	if user == nil {
		return false
	}
	if path, ok := h.principalAddressPath(addr); ok {
		return path == principalPath(user)
	}
	email := backend.NormalizeEmail(addr)
	for _, e := range user.Emails {
		if e == email {
			return true
		}
	}
	return false
}

// headerAddresses splits Recipient header values (comma-separated lists
// of addresses, old CalDAV scheduling drafts) into addresses.
func headerAddresses(values []string) []string {
	var out []string
	for _, v := range values {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				out = append(out, a)
			}
		}
	}
	return out
}

// uniqueAddresses keeps the first spelling of each address, in order;
// mailto: addresses compare case-insensitively.
func uniqueAddresses(addrs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range addrs {
		a = strings.TrimSpace(a)
		key := backend.NormalizeEmail(a)
		if a == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, a)
	}
	return out
}

// scheduleDefaultCalendar is the calendar that
// CALDAV:schedule-default-calendar-URL names (RFC 6638 §9.2): the home's
// "calendar" collection, or when the user deleted it, the first calendar
// that accepts events; nil when there is none.
func (h *Handler) scheduleDefaultCalendar(ctx context.Context, p *backend.Principal) (*backend.Calendar, error) {
	c, err := h.store.Calendar(ctx, p.ID, "calendar")
	if err == nil && c.Kind == backend.CollectionCalendar {
		return c, nil
	}
	if err != nil && !errors.Is(err, backend.ErrNotFound) {
		return nil, err
	}
	all, err := h.store.ListCalendars(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Kind == backend.CollectionCalendar && c.Accepts("VEVENT") {
			return c, nil
		}
	}
	return nil, nil
}

// countComponents counts the top-level components of cal named name.
func countComponents(cal *goical.Calendar, name string) int {
	n := 0
	for _, c := range cal.Children {
		if c.Name == name {
			n++
		}
	}
	return n
}
