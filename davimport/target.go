package davimport

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
)

// maxNameLen leaves room for a "-NN" suffix within backend.ValidateName's
// 64 characters.
const maxNameLen = 60

// reservedNames are collection names of every calendar home that are not
// calendars (the scheduling inbox and outbox, RFC 6638 §2.2–2.3).
var reservedNames = map[string]bool{"inbox": true, "outbox": true}

// SafeName turns a source collection's path segment into a Kalends
// calendar name (backend.ValidateName): characters other than letters,
// digits and @ . - _ become '-', runs of them one, at most 60 characters;
// "calendar" when nothing is left.
func SafeName(segment string) string {
	var b strings.Builder
	dash := false
	for _, r := range segment {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@._", r)
		if !ok {
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		b.WriteRune(r)
		dash = false
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > maxNameLen {
		s = strings.TrimRight(s[:maxNameLen], "-")
	}
	if s == "" || strings.Trim(s, ".") == "" {
		return "calendar"
	}
	return s
}

// targetCalendar finds the Kalends calendar of user that src goes to: the
// one already holding src's import state, else a calendar of src's name
// (SafeName) that is free: absent (created, unless dry-running), or an
// empty calendar never imported into (adopted, such as the default
// calendar every home gets). A name taken by anything else, another
// source's import included, gets a suffix: name-2, name-3… It returns the
// calendar (nil in a dry run when it would be created), its state, and
// whether it was created.
func (im *Importer) targetCalendar(ctx context.Context, user *backend.Principal, src *SourceCalendar, rep *CalendarReport) (*backend.Calendar, *state, error) {
	cals, err := im.store.ListCalendars(ctx, user.ID)
	if err != nil {
		return nil, nil, err
	}
	byURI := map[string]*backend.Calendar{}
	for _, c := range cals {
		byURI[c.URI] = c
		if c.Kind != backend.CollectionCalendar {
			continue
		}
		st, err := loadState(ctx, im.store, c)
		if err != nil {
			return nil, nil, err
		}
		if st != nil && st.Source == src.URL {
			rep.Target = c.URI
			return c, st, nil
		}
	}
	base := SafeName(src.Segment())
	for n := 1; n < 100; n++ {
		name := base
		if n > 1 {
			name = base + "-" + strconv.Itoa(n)
		}
		if reservedNames[name] {
			continue
		}
		c := byURI[name]
		if c == nil {
			rep.Target, rep.CalendarCreated = name, true
			if im.dryRun {
				return nil, newState(src.URL), nil
			}
			c, st, err := im.createCalendar(ctx, user, name, src, rep)
			if errors.Is(err, backend.ErrExists) {
				continue // created by someone else meanwhile
			}
			return c, st, err
		}
		if c.Kind != backend.CollectionCalendar {
			continue
		}
		if st, err := loadState(ctx, im.store, c); err != nil || st != nil {
			if err != nil {
				return nil, nil, err
			}
			continue // another source's calendar
		}
		used, err := im.store.Usage(ctx, c.ID)
		if err != nil {
			return nil, nil, err
		}
		if used > 0 {
			continue // a calendar of the user's own
		}
		rep.Target = c.URI
		st := newState(src.URL)
		if im.dryRun {
			return c, st, nil
		}
		// Claim it at once, so that another source calendar of this run
		// cannot take it too.
		c.Components = nil // an empty calendar takes the source's set
		if err := im.saveState(ctx, c, st); err != nil {
			return nil, nil, err
		}
		return c, st, nil
	}
	return nil, nil, fmt.Errorf("davimport: no free calendar name for %s (tried %s to %s-99)", src.URL, base, base)
}

// createCalendar creates calendar name with src's properties and an empty
// import state, in one transaction.
func (im *Importer) createCalendar(ctx context.Context, user *backend.Principal, name string, src *SourceCalendar, rep *CalendarReport) (*backend.Calendar, *state, error) {
	c := &backend.Calendar{PrincipalID: user.ID, URI: name, Kind: backend.CollectionCalendar, Components: components(src)}
	c.Apply(calendarUpdate(c, src, rep))
	st := newState(src.URL)
	prop, err := st.property()
	if err != nil {
		return nil, nil, err
	}
	if err := im.svc.CreateCalendar(ctx, c, []backend.Property{prop}); err != nil {
		return nil, nil, err
	}
	return c, st, nil
}

// components returns the component set for a calendar made from src:
// the source's, less what Kalends does not store; a source without a set
// accepts every component (RFC 4791 §5.2.3), so the calendar takes events,
// tasks and journals.
func components(src *SourceCalendar) []string {
	var out []string
	for _, c := range src.Components {
		switch c {
		case "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY":
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		out = []string{"VEVENT", "VTODO", "VJOURNAL"}
	}
	return out
}

// calendarUpdate returns the changes that bring c's properties to src's:
// display name, description, colour, order and time zone, each only when
// the source has it. A value Kalends would refuse (an order that is not an
// integer, a time zone that is not one VTIMEZONE) is left out with a
// warning.
func calendarUpdate(c *backend.Calendar, src *SourceCalendar, rep *CalendarReport) *backend.CalendarUpdate {
	u := &backend.CalendarUpdate{}
	str := func(dst **string, cur string, v *string) {
		if v != nil && *v != cur {
			*dst = v
		}
	}
	str(&u.DisplayName, c.DisplayName, src.DisplayName)
	str(&u.Description, c.Description, src.Description)
	str(&u.Color, c.Color, src.Color)
	if src.Order != nil {
		if n, err := strconv.Atoi(*src.Order); err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("calendar-order %q is not an integer; not copied", *src.Order))
		} else if n != c.Order {
			u.Order = &n
		}
	}
	if src.Timezone != nil && *src.Timezone != c.Timezone {
		if err := calendar.ValidateTimezone(*src.Timezone); err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("calendar-timezone not copied: %v", err))
		} else {
			u.Timezone = src.Timezone
		}
	}
	if c.Components == nil {
		u.Components = components(src)
	}
	return u
}

// changed reports whether u changes anything.
func changed(u *backend.CalendarUpdate) bool {
	return u.DisplayName != nil || u.Description != nil || u.Color != nil || u.Order != nil ||
		u.Timezone != nil || u.Components != nil || u.Set != nil || u.Remove != nil
}

// saveState stores st as c's import state.
func (im *Importer) saveState(ctx context.Context, c *backend.Calendar, st *state) error {
	prop, err := st.property()
	if err != nil {
		return err
	}
	_, err = im.store.UpdateCalendar(ctx, c.ID, &backend.CalendarUpdate{Set: []backend.Property{prop}})
	return err
}
