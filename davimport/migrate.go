package davimport

import (
	"context"
	"errors"
	"fmt"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
)

// Importer copies a source account into a Kalends user's calendars.
type Importer struct {
	store  backend.Store
	svc    *calendar.Service
	source *Source
	dryRun bool
}

// NewImporter returns an importer from source into the store of svc,
// storing objects through svc.Import (with PUT's checks). dryRun finds
// what would be copied and writes nothing.
func NewImporter(svc *calendar.Service, source *Source, dryRun bool) *Importer {
	return &Importer{store: svc.Store(), svc: svc, source: source, dryRun: dryRun}
}

// Run copies every calendar of the source account into user's calendar
// home. done, when not nil, receives each calendar's report as soon as
// that calendar is finished. An error stops the run: calendars finished
// before stay in the report, and the calendar in progress keeps what it
// imported and its previous sync-token, so the next run resumes it.
func (im *Importer) Run(ctx context.Context, user *backend.Principal, done func(*CalendarReport)) (*Report, error) {
	cals, err := im.source.Discover(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	for _, src := range cals {
		cr, err := im.importCalendar(ctx, user, src)
		if cr != nil {
			rep.Calendars = append(rep.Calendars, cr)
			if done != nil && err == nil {
				done(cr)
			}
		}
		if err != nil {
			return rep, fmt.Errorf("calendar %s: %w", src.URL, err)
		}
	}
	return rep, nil
}

// run is the work on one source calendar.
type run struct {
	im  *Importer
	src *SourceCalendar
	cal *backend.Calendar
	st  *state
	rep *CalendarReport
}

func (im *Importer) importCalendar(ctx context.Context, user *backend.Principal, src *SourceCalendar) (*CalendarReport, error) {
	rep := &CalendarReport{Source: src.URL, Name: src.Segment()}
	if src.DisplayName != nil {
		rep.Name = *src.DisplayName
	}
	cal, st, err := im.targetCalendar(ctx, user, src, rep)
	if err != nil {
		return rep, err
	}
	if cal != nil && !rep.CalendarCreated {
		if u := calendarUpdate(cal, src, rep); changed(u) && !im.dryRun {
			if cal, err = im.svc.UpdateCalendar(ctx, cal, u); err != nil {
				return rep, err
			}
			rep.PropsUpdated = true
		}
	}
	cs, err := im.source.changes(ctx, src, st.SyncToken)
	if err != nil {
		return rep, err
	}
	rep.Method = cs.Method
	r := &run{im: im, src: src, cal: cal, st: st, rep: rep}
	fetch, deleted := r.plan(cs)
	if im.dryRun {
		rep.Fetch, rep.Deleted = len(fetch), len(deleted)
		return rep, nil
	}
	err = r.apply(ctx, fetch, deleted)
	if err == nil {
		st.SyncToken = cs.SyncToken
	}
	// The state is saved even after an error, so that what was imported
	// is not fetched again; the sync-token only moves after a complete
	// run.
	if serr := im.saveStateIfChanged(ctx, cal, st); err == nil {
		err = serr
	}
	return rep, err
}

// plan compares the changes with the state: it returns the hrefs to
// fetch and those deleted on the source, and counts the unchanged ones.
// A resource rejected before and unchanged since is reported rejected
// again without being fetched.
func (r *run) plan(cs *changeSet) (fetch []string, deleted []string) {
	touched := map[string]bool{}
	for _, m := range cs.Members {
		touched[m.Href] = true
		e := r.st.get(m.Href)
		if e == nil || m.ETag == "" || e.ETag != m.ETag {
			fetch = append(fetch, m.Href)
			continue
		}
		r.unchanged(e)
	}
	if cs.Full {
		for _, e := range r.st.Objects {
			if r.st.get(e.Href) == e && !touched[e.Href] {
				deleted = append(deleted, e.Href)
			}
		}
		return fetch, deleted
	}
	for _, href := range cs.Deleted {
		touched[href] = true
		if r.st.get(href) != nil {
			deleted = append(deleted, href)
		}
	}
	for _, e := range r.st.Objects {
		if r.st.get(e.Href) != e || touched[e.Href] {
			continue
		}
		if e.ETag == "" {
			// Not read completely last time: read it again.
			fetch = append(fetch, e.Href)
			continue
		}
		r.unchanged(e)
	}
	return fetch, deleted
}

// unchanged counts a resource the source did not change since it was read.
func (r *run) unchanged(e *stateObject) {
	if e.Rejected != "" {
		r.rep.Rejected = append(r.rep.Rejected, Item{Href: e.Href, Reason: e.Rejected + " (unchanged on the source)"})
		return
	}
	r.rep.Unchanged += len(e.Targets)
}

// apply fetches and imports the new or changed resources in batches, then
// applies the deletions.
func (r *run) apply(ctx context.Context, fetch, deleted []string) error {
	for start := 0; start < len(fetch); start += BatchSize {
		end := min(start+BatchSize, len(fetch))
		err := r.im.source.multiget(ctx, r.src, fetch[start:end], func(f *fetched) error {
			if f.Gone {
				return r.deleteHref(ctx, f.Href)
			}
			return r.importResource(ctx, f)
		})
		if err != nil {
			return r.im.source.sourceError(err, "fetching objects")
		}
	}
	for _, href := range deleted {
		if err := r.deleteHref(ctx, href); err != nil {
			return err
		}
	}
	return nil
}

// deleteHref applies the deletion of a source resource: each Kalends
// object made from it is deleted if it still has the ETag the import gave
// it; one changed in Kalends since is kept (and no longer tracked).
func (r *run) deleteHref(ctx context.Context, href string) error {
	e := r.st.get(href)
	if e == nil {
		return nil
	}
	for _, t := range e.Targets {
		if err := r.deleteTarget(ctx, href, t); err != nil {
			return err
		}
	}
	r.st.remove(href)
	return nil
}

func (r *run) deleteTarget(ctx context.Context, href string, t stateTarget) error {
	_, err := r.im.store.DeleteObject(ctx, r.cal.ID, t.URI, t.ETag)
	switch {
	case err == nil:
		r.rep.Deleted++
	case errors.Is(err, backend.ErrPreconditionFailed):
		r.rep.Kept = append(r.rep.Kept, Item{Href: href, Reason: t.URI + " changed in Kalends since it was imported"})
	case errors.Is(err, backend.ErrNotFound):
		// Deleted in Kalends already.
	default:
		return err
	}
	return nil
}

// saveStateIfChanged stores st unless it is what c already holds, so that
// a run that changed nothing writes nothing.
func (im *Importer) saveStateIfChanged(ctx context.Context, c *backend.Calendar, st *state) error {
	old, err := loadState(ctx, im.store, c)
	if err != nil {
		return err
	}
	if old != nil {
		a, err1 := old.property()
		b, err2 := st.property()
		if err1 == nil && err2 == nil && a.XML == b.XML {
			return nil
		}
	}
	return im.saveState(ctx, c, st)
}
