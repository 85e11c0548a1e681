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
	"github.com/kalends/kalends/calendar"
	"github.com/kalends/kalends/config"
)

// runFeed manages subscription feeds: secret read-only URLs of one
// calendar for applications that subscribe to .ics files (Outlook, Google
// Calendar, Apple Calendar's subscriptions).
func runFeed(ctx context.Context, e *env, args []string) error {
	return runVerb(ctx, e, "feed", []verb{{"create", feedCreate}, {"list", feedList}, {"revoke", feedRevoke}}, args)
}

// baseURLFlag registers --base-url; feedBase resolves it.
func baseURLFlag(fs *flag.FlagSet) *string {
	return fs.String("base-url", "", "public URL of the server that feed URLs start with "+
		"($KALENDS_BASE_URL, else the one the server last started with in the data directory, else http://LISTEN-ADDRESS)")
}

// feedBase is the URL feed URLs start with: --base-url, else the server's
// configured base URL, else the one the server remembered in the data
// directory, else the address it listens on by default.
func feedBase(e *env, flagValue string, db *dbFlags) (string, error) {
	base := flagValue
	if base == "" {
		base = e.getenv("KALENDS_BASE_URL")
	}
	if base == "" {
		base = rememberedBaseURL(e, db)
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

// feedCalendar finds USER and, when uri is not "", its calendar uri (nil
// otherwise).
func feedCalendar(ctx context.Context, e *env, s backend.Store, user, uri string) (*backend.Principal, *backend.Calendar, error) {
	p, err := findOwner(ctx, s, newService(e, s), user)
	if err != nil || uri == "" {
		return p, nil, err
	}
	c, err := findCalendar(ctx, s, p, uri)
	return p, c, err
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
	user, calURI, err := splitCalendarArg(pos[0])
	if err != nil {
		return usageError(e, fs, err.Error())
	}
	mode, err := backend.ParseFeedPrivacy(*private)
	if err != nil {
		return usageError(e, fs, fmt.Sprintf("--private %q: want full, busy or omit", *private))
	}
	base, err := feedBase(e, *baseFlag, cfgDB)
	if err != nil {
		return usageError(e, fs, err.Error())
	}
	token, err := backend.NewFeedToken()
	if err != nil {
		return err
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		_, c, err := feedCalendar(ctx, e, s, user, calURI)
		if err != nil {
			return err
		}
		f := &backend.Feed{CalendarID: c.ID, Token: token, Private: mode, Label: *label}
		if err := s.CreateFeed(ctx, f); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, base+calendar.FeedPath(f.Token))
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
	user, calURI := strings.Trim(pos[0], "/"), ""
	if k, _, _ := strings.Cut(user, "/"); strings.Contains(user, "/") && !(isKindWord(k) && strings.Count(user, "/") == 1) {
		if user, calURI, err = splitCalendarArg(pos[0]); err != nil {
			return usageError(e, fs, err.Error())
		}
	}
	base, err := feedBase(e, *baseFlag, cfgDB)
	if err != nil {
		return usageError(e, fs, err.Error())
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p, c, err := feedCalendar(ctx, e, s, user, calURI)
		if err != nil {
			return err
		}
		var calID int64
		if c != nil {
			calID = c.ID
		}
		feeds, err := s.ListFeeds(ctx, p.ID, calID)
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
				f.Private, label, base+calendar.FeedPath(f.Token))
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
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		f, err := findFeed(ctx, s, pos[0])
		if errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("no feed %q", pos[0])
		} else if err != nil {
			return err
		}
		if err := s.DeleteFeed(ctx, f.ID); err != nil {
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
func findFeed(ctx context.Context, s backend.Feeds, arg string) (*backend.Feed, error) {
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
