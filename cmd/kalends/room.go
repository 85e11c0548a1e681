package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/kalends/kalends/backend"
)

// bookingPolicies are the values of --policy, as stored in
// backend.Principal.BookingPolicy ("" stands for the first).
var bookingPolicies = []string{"accept-if-free", "always-accept", "always-decline", "manual"}

const policyHelp = "booking policy: accept-if-free (the default: accept if free, decline if busy), always-accept, always-decline or manual (its delegates answer: kalends delegate add)"

// runRoom and runResource manage the principals that book themselves:
// rooms (CUTYPE=ROOM) and resources (CUTYPE=RESOURCE). Both have the same
// subcommands and flags.
func runRoom(ctx context.Context, e *env, args []string) error {
	return runBookable(ctx, e, backend.KindRoom, args)
}

func runResource(ctx context.Context, e *env, args []string) error {
	return runBookable(ctx, e, backend.KindResource, args)
}

func runBookable(ctx context.Context, e *env, kind backend.PrincipalKind, args []string) error {
	of := func(fn func(context.Context, *env, backend.PrincipalKind, []string) error) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error { return fn(ctx, e, kind, args) }
	}
	return runVerb(ctx, e, string(kind), []verb{
		{"add", of(bookableAdd)}, {"list", of(bookableList)}, {"set", of(bookableSet)}, {"delete", of(bookableDelete)},
	}, args)
}

// bookableFlags are the settings shared by add and set.
type bookableFlags struct {
	display, location, policy string
	capacity, maxBookings     int
}

func (f *bookableFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.display, "display-name", "", "human name shown to others (e.g. 'Room 101')")
	fs.IntVar(&f.capacity, "capacity", 0, "seats (0 = unknown)")
	fs.StringVar(&f.location, "location", "", "where to find it (e.g. '1st floor')")
	fs.StringVar(&f.policy, "policy", "", policyHelp)
	fs.IntVar(&f.maxBookings, "max-bookings", 0, "how many bookings may overlap (0 or 1 = one at a time)")
}

// check validates the values of the flags the user gave.
func (f *bookableFlags) check(given map[string]bool) error {
	if given["policy"] && !validPolicy(f.policy) {
		return fmt.Errorf("unknown booking policy %q: want one of %s", f.policy, strings.Join(bookingPolicies, ", "))
	}
	if f.capacity < 0 {
		return fmt.Errorf("--capacity must not be negative (got %d)", f.capacity)
	}
	if f.maxBookings < 0 {
		return fmt.Errorf("--max-bookings must not be negative (got %d)", f.maxBookings)
	}
	return nil
}

func validPolicy(p string) bool { return slices.Contains(bookingPolicies, p) }

// givenFlags returns the names of the flags set on the command line.
func givenFlags(fs *flag.FlagSet) map[string]bool {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return given
}

// principalName turns the NAME argument into a principal name. A valid name
// is kept as it is; anything else ('Room 101') is taken for a display name
// and a URL-safe name is derived from it ("room-101"). derived reports the
// latter case.
func principalName(arg string) (name string, derived bool, err error) {
	if backend.ValidateName(arg) == nil {
		return arg, false, nil
	}
	name = slug(arg)
	if backend.ValidateName(name) != nil {
		return "", false, fmt.Errorf("cannot make a name from %q: use letters, digits and @ . - _, and --display-name for the human name", arg)
	}
	return name, true, nil
}

// slug lower-cases s, drops accents and replaces each run of other
// characters by one '-': "Salle Étoile (2nd)" → "salle-etoile-2nd". The
// result is at most 64 bytes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r >= 'A' && r <= 'Z':
			b.WriteRune(unicode.ToLower(r))
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := b.String()
	if len(out) > 64 {
		out = out[:64]
	}
	return strings.Trim(out, "-")
}

func bookableAdd(ctx context.Context, e *env, kind backend.PrincipalKind, args []string) error {
	fs := newFlagSet(e, string(kind)+" add", string(kind)+" add NAME --email ADDRESS [--display-name NAME] [--capacity N] [--location TEXT]\n"+
		"    [--policy accept-if-free|always-accept|always-decline|manual] [--max-bookings N]\n\n"+
		"NAME is the URL name (letters, digits, @ . - _). A NAME with other characters, such as\n"+
		"'Room 101', becomes the display name and the URL name is derived from it (room-101).")
	var emails []string
	fs.Var((*multiFlag)(&emails), "email", "calendar user address (required; repeatable, the first is preferred)")
	var f bookableFlags
	f.register(fs)
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, fmt.Sprintf("exactly one %s name expected (quote a name with spaces)", kind))
	}
	name, derived, err := principalName(pos[0])
	if err != nil {
		return err
	}
	if derived && f.display == "" {
		f.display = pos[0]
	}
	if err := f.check(givenFlags(fs)); err != nil {
		return err
	}
	if len(emails) == 0 {
		return fmt.Errorf("--email is required: a %s needs a calendar user address to be invited", kind)
	}
	if emails, err = checkEmails(emails); err != nil {
		return err
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		if _, err := s.Principal(ctx, kind, name); err == nil {
			return fmt.Errorf("%s %q already exists; nothing changed", kind, name)
		} else if !errors.Is(err, backend.ErrNotFound) {
			return err
		}
		for _, a := range emails {
			if owner, err := s.PrincipalByEmail(ctx, a); err == nil {
				return fmt.Errorf("address %s already belongs to %s %q; nothing changed", a, owner.Kind, owner.Name)
			} else if !errors.Is(err, backend.ErrNotFound) {
				return err
			}
		}
		p := &backend.Principal{Kind: kind, Name: name, DisplayName: f.display, Emails: emails,
			Capacity: f.capacity, Location: f.location, BookingPolicy: f.policy, MaxBookings: f.maxBookings}
		if err := s.CreatePrincipal(ctx, p, ""); err != nil {
			if errors.Is(err, backend.ErrExists) { // lost a race with another add
				return fmt.Errorf("%s %q or one of its addresses already exists; nothing changed", kind, name)
			}
			return err
		}
		if p.DisplayName != "" {
			fmt.Fprintf(e.stdout, "created %s %s (%s)\n", kind, name, p.DisplayName)
		} else {
			fmt.Fprintf(e.stdout, "created %s %s\n", kind, name)
		}
		return nil
	})
}

// checkEmails normalizes the addresses given with --email, dropping
// repetitions, and rejects anything that is not an e-mail address.
func checkEmails(emails []string) ([]string, error) {
	var out []string
	for _, a := range emails {
		n := backend.NormalizeEmail(a)
		if !strings.Contains(n, "@") {
			return nil, fmt.Errorf("%q is not an e-mail address", a)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func bookableList(ctx context.Context, e *env, kind backend.PrincipalKind, args []string) error {
	fs := newFlagSet(e, string(kind)+" list", string(kind)+" list")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError(e, fs, "unexpected arguments")
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		ps, err := s.ListPrincipals(ctx, kind)
		if err != nil {
			return err
		}
		dash := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tDISPLAY NAME\tADDRESSES\tCAPACITY\tLOCATION\tPOLICY\tMAX BOOKINGS")
		for _, p := range ps {
			capacity := "-"
			if p.Capacity > 0 {
				capacity = strconv.Itoa(p.Capacity)
			}
			policy := p.BookingPolicy
			if policy == "" {
				policy = bookingPolicies[0]
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", p.Name, dash(p.DisplayName), dash(strings.Join(p.Emails, ",")),
				capacity, dash(p.Location), policy, max(p.MaxBookings, 1))
		}
		return tw.Flush()
	})
}

// lookup finds the principal NAME names: by name, or by the name derived
// from it as add does ('Room 101' → room-101).
func lookup(ctx context.Context, s backend.Store, kind backend.PrincipalKind, arg string) (*backend.Principal, error) {
	name, _, err := principalName(arg)
	if err != nil {
		return nil, fmt.Errorf("no %s %q", kind, arg)
	}
	p, err := s.Principal(ctx, kind, name)
	if errors.Is(err, backend.ErrNotFound) {
		return nil, fmt.Errorf("no %s %q", kind, arg)
	}
	return p, err
}

func bookableSet(ctx context.Context, e *env, kind backend.PrincipalKind, args []string) error {
	fs := newFlagSet(e, string(kind)+" set", string(kind)+" set NAME [--policy POLICY] [--capacity N] [--max-bookings N] [--location TEXT] [--display-name NAME] [--email ADDRESS]…")
	var f bookableFlags
	f.register(fs)
	var emails []string
	fs.Var((*multiFlag)(&emails), "email", "replace the calendar user addresses (repeatable, the first is preferred)")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, fmt.Sprintf("exactly one %s name expected", kind))
	}
	given := givenFlags(fs)
	delete(given, "database")
	if len(given) == 0 {
		return usageError(e, fs, "nothing to change: give at least one setting")
	}
	if err := f.check(given); err != nil {
		return err
	}
	if emails, err = checkEmails(emails); err != nil {
		return err
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p, err := lookup(ctx, s, kind, pos[0])
		if err != nil {
			return err
		}
		for _, a := range emails {
			if owner, err := s.PrincipalByEmail(ctx, a); err == nil && owner.ID != p.ID {
				return fmt.Errorf("address %s already belongs to %s %q; nothing changed", a, owner.Kind, owner.Name)
			} else if err != nil && !errors.Is(err, backend.ErrNotFound) {
				return err
			}
		}
		if given["display-name"] {
			p.DisplayName = f.display
		}
		if given["capacity"] {
			p.Capacity = f.capacity
		}
		if given["location"] {
			p.Location = f.location
		}
		if given["policy"] {
			p.BookingPolicy = f.policy
		}
		if given["max-bookings"] {
			p.MaxBookings = f.maxBookings
		}
		if given["email"] {
			p.Emails = emails
		}
		if err := s.UpdatePrincipal(ctx, p); err != nil {
			if errors.Is(err, backend.ErrExists) {
				return fmt.Errorf("an address of %s %q is taken; nothing changed", kind, p.Name)
			}
			return err
		}
		fmt.Fprintf(e.stdout, "updated %s %s\n", kind, p.Name)
		return nil
	})
}

func bookableDelete(ctx context.Context, e *env, kind backend.PrincipalKind, args []string) error {
	fs := newFlagSet(e, string(kind)+" delete", string(kind)+" delete NAME")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, fmt.Sprintf("exactly one %s name expected", kind))
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p, err := lookup(ctx, s, kind, pos[0])
		if err != nil {
			return err
		}
		if err := s.DeletePrincipal(ctx, p.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "deleted %s %s and its calendars\n", kind, p.Name)
		return nil
	})
}
