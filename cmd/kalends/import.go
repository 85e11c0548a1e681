package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/ical"
)

const importSynopsis = `import USER/CALENDAR [FILE.ics…] [--create [--components LIST]] [--quiet]

Stores the events and tasks of .ics files (standard input when no FILE,
or for "-") in the calendar USER/CALENDAR (e.g. alice/calendar; USER may be
a room or resource, by name or as KIND/NAME: rooms/room-101/calendar), one
calendar object per UID: recurrence overrides join their series wherever
they are in the file, and each object keeps the VTIMEZONEs it uses. An
object of a UID already in the calendar is replaced; importing the same
file twice changes nothing the second time. Nothing is sent to attendees.

One line per object on standard output: "created UID NAME", "updated UID
NAME", "unchanged UID NAME" or "rejected UID line N: reason", then the
counts. The exit status is 1 when any object was rejected. A file that is
not iCalendar stops the import before anything is written.

To copy a whole account from another CalDAV server instead:
kalends import --from URL --user NAME (its flags: kalends import --from URL --help).`

// importFlags are the options of a file import.
type importFlags struct {
	create     bool
	components string
	quiet      bool
}

func (f *importFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.create, "create", false, "create the calendar when it does not exist (its name is its display name)")
	fs.StringVar(&f.components, "components", "", "with --create: the component types the new calendar accepts (default: those the files hold)")
	fs.BoolVar(&f.quiet, "quiet", false, "print only rejections and the counts")
}

// calendarComponents are the types a calendar collection may accept.
var calendarComponents = []string{"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY"}

func runImport(ctx context.Context, e *env, args []string) error {
	// A CalDAV account to migrate from (import_from.go) rather than files.
	if slices.ContainsFunc(args, isFromFlag) {
		return runImportFrom(ctx, e, args)
	}
	fs := newFlagSet(e, "import", importSynopsis)
	var f importFlags
	f.register(fs)
	db := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	return importFiles(ctx, e, fs, &f, db, pos)
}

// isFromFlag reports whether a command-line argument is the --from flag
// of a migration from a CalDAV server.
func isFromFlag(arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return strings.HasPrefix(arg, "-") && name == "from"
}

// importFiles imports .ics files (or standard input) into one calendar.
func importFiles(ctx context.Context, e *env, fs *flag.FlagSet, f *importFlags, db *dbFlags, pos []string) error {
	if len(pos) == 0 {
		return usageError(e, fs, "USER/CALENDAR expected")
	}
	user, calURI, err := splitCalendarArg(pos[0])
	if err != nil {
		return usageError(e, fs, err.Error())
	}
	var comps []string
	if f.components != "" {
		comps = strings.Split(strings.ToUpper(strings.ReplaceAll(f.components, " ", "")), ",")
	}
	for _, c := range comps {
		if !slices.Contains(calendarComponents, c) {
			return usageError(e, fs, fmt.Sprintf("--components: %q is not one of %s", c, strings.Join(calendarComponents, ", ")))
		}
	}
	if f.create {
		if err := backend.ValidateCollectionName(calURI); err != nil {
			return usageError(e, fs, fmt.Sprintf("cannot create calendar %q: %v", calURI, err))
		}
	}
	files := pos[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	prog := newProgress(e)
	// Every file is read and indexed before anything is written: one that
	// is not iCalendar stops the import with nothing changed.
	var sources []*importSource
	defer func() {
		for _, src := range sources {
			src.close()
		}
	}()
	for _, name := range files {
		src, err := openSource(e, name, prog)
		if err != nil {
			return err
		}
		sources = append(sources, src)
	}
	return withDatabase(ctx, e, db, func(s backend.Store) error {
		h := newService(e, s)
		p, err := findOwner(ctx, s, h, user)
		if err != nil {
			return err
		}
		cal, err := findCalendar(ctx, s, p, calURI)
		var missing *noCalendarError
		if errors.As(err, &missing) && f.create {
			if comps == nil {
				comps = heldComponents(sources)
			}
			cal = &backend.Calendar{PrincipalID: p.ID, URI: calURI, Kind: backend.CollectionCalendar, DisplayName: calURI, Components: comps}
			if err = h.CreateCalendar(ctx, cal, nil); err == nil && !f.quiet {
				fmt.Fprintf(e.stdout, "created calendar %s/%s\n", user, calURI)
			}
		} else if missing != nil {
			err = fmt.Errorf("%w (--create creates it)", err)
		}
		if err != nil {
			return err
		}
		im := &importer{e: e, h: h, cal: cal, quiet: f.quiet, maxSize: maxResourceSize(e), prog: prog, several: len(sources) > 1}
		for _, src := range sources {
			if err := im.importSource(ctx, src); err != nil {
				prog.done()
				return err
			}
		}
		prog.done()
		return im.summary()
	})
}

// importSource is one indexed input: a file, or standard input spooled to
// a temporary file so that its objects can be read back by offset.
// heldComponents are the calendar component types of the objects in the
// sources, in calendarComponents order; VEVENT and VTODO when they hold
// none (a calendar accepts at least one type).
func heldComponents(sources []*importSource) []string {
	held := map[string]bool{}
	for _, src := range sources {
		for _, o := range src.ix.Objects {
			held[o.Name] = true
		}
	}
	var out []string
	for _, c := range calendarComponents {
		if held[c] {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return []string{"VEVENT", "VTODO"}
	}
	return out
}

type importSource struct {
	name  string // for messages
	f     *os.File
	spool bool
	ix    *ical.StreamIndex
}

// openSource opens and indexes one input ("-" is standard input).
func openSource(e *env, name string, prog *progress) (*importSource, error) {
	src := &importSource{name: name}
	var r io.Reader
	if name == "-" {
		src.name = "standard input"
		tmp, err := os.CreateTemp("", "kalends-import-*.ics")
		if err != nil {
			return nil, err
		}
		src.f, src.spool = tmp, true
		r = io.TeeReader(e.stdin, tmp)
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		src.f, r = f, f
	}
	ix, err := ical.IndexStream(&countingReader{r: r, progress: func(n int64) {
		prog.show("reading %s: %s", src.name, megabytes(n))
	}})
	if err != nil {
		src.close()
		var ie *ical.Error
		if errors.As(err, &ie) {
			return nil, fmt.Errorf("%s: %s; nothing imported", src.name, ie.Reason)
		}
		return nil, fmt.Errorf("%s: %w", src.name, err)
	}
	src.ix = ix
	for _, w := range ix.Warnings {
		fmt.Fprintf(e.stderr, "kalends import: %s line %d: warning: %s\n", src.name, w.Line, w.Reason)
	}
	return src, nil
}

func (src *importSource) close() {
	src.f.Close()
	if src.spool {
		os.Remove(src.f.Name())
	}
}

// countingReader reports how many bytes were read.
type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.progress(c.n)
	return n, err
}

// importer stores the objects of the sources in one calendar and reports
// each.
type importer struct {
	e       *env
	h       *calendar.Service
	cal     *backend.Calendar
	quiet   bool
	several bool // more than one source: rejections name the file
	maxSize int64
	prog    *progress
	counts  [4]int // by calendar.ImportOutcome, then rejected
}

const rejected = 3 // index of the rejected count in importer.counts

func (im *importer) importSource(ctx context.Context, src *importSource) error {
	for i, o := range src.ix.Objects {
		if err := ctx.Err(); err != nil {
			return err
		}
		im.prog.show("importing %s: %d of %d objects", src.name, i, len(src.ix.Objects))
		if o.Err != nil {
			im.reject(src, o.UID, o.Err.Line, o.Err.Reason)
			continue
		}
		if o.Size() > im.maxSize {
			im.reject(src, o.UID, o.Line, fmt.Sprintf("the object is larger than the %d bytes a calendar object may have", im.maxSize))
			continue
		}
		text, err := src.ix.ReadObject(src.f, o)
		if err != nil {
			return fmt.Errorf("%s: %w", src.name, err)
		}
		res, err := im.store(ctx, text.Data)
		var de *calendar.Error
		switch {
		case errors.As(err, &de):
			// Parse errors name the line of the object: the file's line
			// is what the user can look up.
			line := o.Line
			if l := text.SourceLine(de.Line); de.Line > 0 && l > 0 {
				line = l
			}
			im.reject(src, o.UID, line, de.Reason)
		case err != nil:
			return err
		default:
			if o.UIDDerived {
				// The one repair an import makes: a diagnostic, not a rejection.
				fmt.Fprintf(im.e.stderr, "kalends import: %s line %d: warning: %s has no UID; %s derived from its content\n",
					src.name, o.Line, o.Name, o.UID)
			}
			im.counts[res.Outcome]++
			if !im.quiet {
				fmt.Fprintf(im.e.stdout, "%s %s %s\n", res.Outcome, res.UID, res.URI)
			}
		}
	}
	for _, p := range src.ix.Problems {
		im.reject(src, "", p.Line, p.Reason)
	}
	return nil
}

// store imports one object; each is its own transaction with its own
// time limit.
func (im *importer) store(ctx context.Context, data []byte) (*calendar.ImportResult, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return im.h.Import(ctx, im.cal, data)
}

func (im *importer) reject(src *importSource, uid string, line int, reason string) {
	im.counts[rejected]++
	if uid == "" {
		uid = "-"
	}
	where := "line " + strconv.Itoa(line)
	if im.several {
		where = src.name + " " + where
	}
	fmt.Fprintf(im.e.stdout, "rejected %s %s: %s\n", uid, where, reason)
}

// summary prints the counts; an error (exit status 1) when any object was
// rejected.
func (im *importer) summary() error {
	c := im.counts
	fmt.Fprintf(im.e.stdout, "%d created, %d updated, %d unchanged, %d rejected\n",
		c[calendar.ImportCreated], c[calendar.ImportUpdated], c[calendar.ImportUnchanged], c[rejected])
	if c[rejected] > 0 {
		return fmt.Errorf("%d of %d objects rejected", c[rejected], c[0]+c[1]+c[2]+c[3])
	}
	return nil
}
