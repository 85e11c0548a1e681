package main

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

const exportSynopsis = `export USER/CALENDAR [--from TIME] [--to TIME] [--format ics|csv] [--tz ZONE] > FILE
       kalends export USER --dir DIR | --zip FILE.zip [--from TIME] [--to TIME] [--format ics|csv] [--tz ZONE]

Writes the calendar USER/CALENDAR (e.g. alice/calendar) to standard output
as one iCalendar object, or every calendar of USER into a directory or a
zip archive (NAME.ics each). USER may be a room or a resource too, by name
or as KIND/NAME (room-101/calendar, rooms/room-101/calendar).

--from and --to keep the events and tasks with an occurrence in that
window; a TIME is RFC 3339 (2026-12-01T09:00:00Z), 20261201T090000Z, or a
date (2026-12-01), midnight in --tz or else UTC.

--format csv writes one row per occurrence in the window (--from and --to
required), recurrences expanded: start, end, title, location, organizer,
attendees, status. Times are RFC 3339 in --tz, else in the calendar's time
zone; all-day occurrences are dates, the end exclusive.`

// exportOptions are what one calendar's export is asked for.
type exportOptions struct {
	format   string // "ics" or "csv"
	from, to time.Time
	loc      *time.Location // nil: the calendar's zone
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "export", exportSynopsis)
	var from, to timeFlag
	fs.Var(&from, "from", "keep what occurs at or after this time")
	fs.Var(&to, "to", "keep what occurs before this time")
	format := fs.String("format", "ics", "ics, or csv for one row per occurrence")
	tz := fs.String("tz", "", "time zone of CSV times and of --from/--to dates (e.g. Europe/Paris)")
	dir := fs.String("dir", "", "write every calendar of USER into DIR as NAME.ics")
	zipPath := fs.String("zip", "", "write every calendar of USER into a zip archive")
	db := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	o := exportOptions{format: *format}
	if o.format != "ics" && o.format != "csv" {
		return usageError(e, fs, fmt.Sprintf("--format %q: want ics or csv", o.format))
	}
	dateZone := time.UTC
	if *tz != "" {
		if o.loc, err = ical.ResolveTZID(nil, *tz); err != nil {
			return usageError(e, fs, fmt.Sprintf("--tz: unknown time zone %q", *tz))
		}
		dateZone = o.loc
	}
	o.from, o.to = from.resolve(dateZone), to.resolve(dateZone)
	if !o.from.IsZero() && !o.to.IsZero() && !o.from.Before(o.to) {
		return usageError(e, fs, "--from must be before --to")
	}
	if o.format == "csv" && (o.from.IsZero() || o.to.IsZero()) {
		return usageError(e, fs, "--format csv needs --from and --to")
	}
	many := *dir != "" || *zipPath != ""
	switch {
	case *dir != "" && *zipPath != "":
		return usageError(e, fs, "--dir and --zip exclude each other")
	case len(pos) != 1:
		return usageError(e, fs, "one USER/CALENDAR (or USER with --dir or --zip) expected")
	case many && strings.Contains(pos[0], "/") && !isKindWord(pos[0][:strings.IndexByte(pos[0], '/')]):
		return usageError(e, fs, "--dir and --zip export all calendars of a USER: give the user name alone")
	}
	var user, calURI string
	if many {
		user = pos[0]
	} else if user, calURI, err = splitCalendarArg(pos[0]); err != nil {
		return usageError(e, fs, err.Error())
	}
	return withDatabase(ctx, e, db, func(s backend.Store) error {
		h := newService(e, s)
		p, err := findOwner(ctx, s, h, user)
		if err != nil {
			return err
		}
		if !many {
			c, err := findCalendar(ctx, s, p, calURI)
			if err != nil {
				return err
			}
			return writeCalendar(ctx, h, e.stdout, c, o)
		}
		cals, err := userCalendars(ctx, s, p)
		if err != nil {
			return err
		}
		if *dir != "" {
			return exportDir(ctx, e, h, cals, *dir, o)
		}
		return exportZip(ctx, e, h, cals, *zipPath, o)
	})
}

// userCalendars lists a user's calendar collections, leaving out the
// scheduling inbox and outbox.
func userCalendars(ctx context.Context, s backend.Store, p *backend.Principal) ([]*backend.Calendar, error) {
	all, err := s.ListCalendars(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var out []*backend.Calendar
	for _, c := range all {
		if c.Kind == backend.CollectionCalendar {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s %s has no calendars", p.Kind, p.Name)
	}
	return out, nil
}

// writeCalendar writes one calendar in the chosen format.
func writeCalendar(ctx context.Context, h *calendar.Service, w io.Writer, c *backend.Calendar, o exportOptions) error {
	if o.format == "csv" {
		return h.ExportCSV(ctx, w, c, calendar.CSVOptions{From: o.from, To: o.to, Location: o.loc})
	}
	_, err := h.Export(ctx, w, c, calendar.ExportOptions{From: o.from, To: o.to})
	return err
}

// exportDir writes each calendar to DIR/NAME.ics (or .csv). Each file is
// written under a temporary name and renamed, so a failed export leaves
// no truncated file behind.
func exportDir(ctx context.Context, e *env, h *calendar.Service, cals []*backend.Calendar, dir string, o exportOptions) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range cals {
		path := filepath.Join(dir, filepath.Base(c.URI)+"."+o.format)
		err := writeAtomically(path, func(w io.Writer) error { return writeCalendar(ctx, h, w, c, o) })
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintln(e.stdout, "wrote", path)
	}
	return nil
}

// exportZip writes each calendar as NAME.ics (or .csv) into one zip
// archive, written under a temporary name and renamed when complete.
func exportZip(ctx context.Context, e *env, h *calendar.Service, cals []*backend.Calendar, path string, o exportOptions) error {
	err := writeAtomically(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, c := range cals {
			entry, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.Base(c.URI) + "." + o.format, Method: zip.Deflate, Modified: c.ModifiedAt})
			if err != nil {
				return err
			}
			if err := writeCalendar(ctx, h, entry, c, o); err != nil {
				return fmt.Errorf("%s: %w", c.URI, err)
			}
		}
		return zw.Close()
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d calendars)\n", path, len(cals))
	return nil
}

// writeAtomically writes path through fn via a temporary file in the same
// directory, renamed over path only when fn succeeded.
func writeAtomically(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
