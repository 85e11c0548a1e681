package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/caldav"
	"github.com/kalends/kalends/config"
)

// runFeed manages subscription feeds: secret read-only URLs of one
// calendar for applications that subscribe to .ics files (Outlook, Google
// Calendar, Apple Calendar's subscriptions).
func runFeed(ctx context.Context, e *env, args []string) error {
	subs := map[string]func(context.Context, *env, []string) error{
		"create": feedCreate, "list": feedList, "revoke": feedRevoke,
	}
	const synopsis = "Usage: kalends feed create|list|revoke [flags]"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprintln(e.stderr, synopsis)
		return flag.ErrHelp
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(e.stderr, synopsis)
		return errUsage
	}
	return subs[args[0]](ctx, e, args[1:])
}

// baseURLFlag registers --base-url; feedBase resolves it.
func baseURLFlag(fs *flag.FlagSet) *string {
	return fs.String("base-url", "", "public URL of the server that feed URLs start with ($KALENDS_BASE_URL, else http://LISTEN-ADDRESS)")
}

// feedBase is the URL feed URLs start with: --base-url, else the server's
// configured base URL, else the address it listens on.
func feedBase(e *env, flagValue string) (string, error) {
	base := flagValue
	if base == "" {
		base = e.getenv("KALENDS_BASE_URL")
	}
	if base == "" {
		listen := e.getenv("KALENDS_LISTEN")
		if listen == "" {
			listen = config.Defaults().Listen
		}
		base = "http://" + listen
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return "", fmt.Errorf("base URL %q must start with http:// or https://", base)
	}
	return strings.TrimSuffix(base, "/"), nil
}

// splitCalendarArg splits USER/CALENDAR; the calendar may be left out
// unless needCalendar.
func splitCalendarArg(arg string, needCalendar bool) (user, cal string, ok bool) {
	user, cal, _ = strings.Cut(strings.Trim(arg, "/"), "/")
	if user == "" || strings.Contains(cal, "/") || (needCalendar && cal == "") {
		return "", "", false
	}
	return user, cal, true
}

// feedStore returns the store's feed extension.
func feedStore(s backend.Store) (backend.FeedStore, error) {
	fs, ok := s.(backend.FeedStore)
	if !ok {
		return nil, fmt.Errorf("this database does not keep feeds")
	}
	return fs, nil
}

// findCalendar returns a user and one of their calendar collections.
func findCalendar(ctx context.Context, s backend.Store, user, uri string) (*backend.Principal, *backend.Calendar, error) {
	p, err := s.Principal(ctx, backend.KindUser, user)
	if errors.Is(err, backend.ErrNotFound) {
		return nil, nil, fmt.Errorf("no user %q", user)
	} else if err != nil {
		return nil, nil, err
	}
	if uri == "" {
		return p, nil, nil
	}
	c, err := s.Calendar(ctx, p.ID, uri)
	if errors.Is(err, backend.ErrNotFound) {
		cals, _ := s.ListCalendars(ctx, p.ID)
		if len(cals) == 0 {
			return nil, nil, fmt.Errorf("user %q has no calendar %q (a user's calendars are made when they first connect)", user, uri)
		}
		return nil, nil, fmt.Errorf("user %q has no calendar %q", user, uri)
	} else if err != nil {
		return nil, nil, err
	}
	if c.Kind != backend.CollectionCalendar {
		return nil, nil, fmt.Errorf("%s/%s is the scheduling %s, not a calendar", user, uri, c.Kind)
	}
	return p, c, nil
}

func feedCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "feed create", "feed create USER/CALENDAR [--private full|busy|omit] [--label TEXT] [--base-url URL]\n\n"+
		"Prints a secret URL that shows the calendar, read-only, to whoever has it.")
	private := fs.String("private", "busy", "how events marked private or confidential are shown: full, busy (times only) or omit")
	label := fs.String("label", "", "a note for yourself: who the URL is for")
	baseFlag := baseURLFlag(fs)
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, "exactly one USER/CALENDAR expected")
	}
	user, calURI, ok := splitCalendarArg(pos[0], true)
	if !ok {
		return usageError(e, fs, fmt.Sprintf("%q is not USER/CALENDAR", pos[0]))
	}
	mode, err := backend.ParseFeedPrivacy(*private)
	if err != nil {
		return usageError(e, fs, fmt.Sprintf("--private %q: want full, busy or omit", *private))
	}
	base, err := feedBase(e, *baseFlag)
	if err != nil {
		return usageError(e, fs, err.Error())
	}
	token, err := backend.NewFeedToken()
	if err != nil {
		return err
	}
	return withDatabase(ctx, e, *cfgDB, func(s backend.Store) error {
		store, err := feedStore(s)
		if err != nil {
			return err
		}
		_, c, err := findCalendar(ctx, s, user, calURI)
		if err != nil {
			return err
		}
		f := &backend.Feed{CalendarID: c.ID, Token: token, Private: mode, Label: *label}
		if err := store.CreateFeed(ctx, f); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, base+caldav.FeedPath(f.Token))
		return nil
	})
}

func feedList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "feed list", "feed list USER[/CALENDAR] [--base-url URL]")
	baseFlag := baseURLFlag(fs)
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, "exactly one USER or USER/CALENDAR expected")
	}
	user, calURI, ok := splitCalendarArg(pos[0], false)
	if !ok {
		return usageError(e, fs, fmt.Sprintf("%q is not USER or USER/CALENDAR", pos[0]))
	}
	base, err := feedBase(e, *baseFlag)
	if err != nil {
		return usageError(e, fs, err.Error())
	}
	return withDatabase(ctx, e, *cfgDB, func(s backend.Store) error {
		store, err := feedStore(s)
		if err != nil {
			return err
		}
		p, c, err := findCalendar(ctx, s, user, calURI)
		if err != nil {
			return err
		}
		var calID int64
		if c != nil {
			calID = c.ID
		}
		feeds, err := store.ListFeeds(ctx, p.ID, calID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCALENDAR\tCREATED\tPRIVATE\tLABEL\tURL")
		for _, f := range feeds {
			label := f.Label
			if label == "" {
				label = "-"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.CalendarURI, f.CreatedAt.UTC().Format(time.RFC3339),
				f.Private, label, base+caldav.FeedPath(f.Token))
		}
		return tw.Flush()
	})
}

func feedRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "feed revoke", "feed revoke ID|URL|TOKEN\n\n"+
		"The feed's URL answers 404 from then on; subscribers keep what they last fetched.")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] == "" {
		return usageError(e, fs, "exactly one feed ID, URL or token expected")
	}
	return withDatabase(ctx, e, *cfgDB, func(s backend.Store) error {
		store, err := feedStore(s)
		if err != nil {
			return err
		}
		f, err := findFeed(ctx, store, pos[0])
		if errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("no feed %q", pos[0])
		} else if err != nil {
			return err
		}
		if err := store.DeleteFeed(ctx, f.ID); err != nil {
			if errors.Is(err, backend.ErrNotFound) { // revoked meanwhile
				return fmt.Errorf("no feed %q", pos[0])
			}
			return err
		}
		owner, err := s.PrincipalByID(ctx, f.PrincipalID)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked feed %d of %s/%s\n", f.ID, owner.Name, f.CalendarURI)
		return nil
	})
}

// findFeed finds a feed by id (a number), URL (…/feeds/TOKEN.ics) or token.
func findFeed(ctx context.Context, s backend.FeedStore, arg string) (*backend.Feed, error) {
	// A token is 43 characters: a short number can only be an id.
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && len(arg) < 20 {
		return s.Feed(ctx, id)
	}
	token := arg
	if i := strings.LastIndexByte(token, '/'); i >= 0 {
		token = token[i+1:]
	}
	if i := strings.IndexAny(token, "?#"); i >= 0 {
		token = token[:i]
	}
	return s.FeedByToken(ctx, strings.TrimSuffix(token, ".ics"))
}
