package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/davimport"
)

// sourcePasswordEnv holds the source account's password, so that it never
// appears on a command line.
const sourcePasswordEnv = "KALENDS_SOURCE_PASSWORD"

// runImportFrom copies a whole CalDAV account into a Kalends user:
//
//	kalends import --from URL --user NAME [--source-user NAME] [--dry-run]
//
// It can be run again to pick up the source's changes; see package
// davimport for what is kept between runs and when deletions apply.
func runImportFrom(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "import", "import --from URL --user NAME [--source-user NAME] [--source-password-file FILE] [--dry-run]\n\n"+
		"Copies every calendar and object of a CalDAV account into the Kalends user NAME.\n"+
		"The source password comes from $"+sourcePasswordEnv+" or --source-password-file.\n"+
		"Run it again to pick up changes; objects deleted on the source are deleted in\n"+
		"Kalends only if they came from it and were not changed in Kalends since.")
	from := fs.String("from", "", "URL of the source CalDAV server or account (required)")
	user := fs.String("user", "", "the Kalends user to import into (required)")
	sourceUser := fs.String("source-user", "", "user name on the source server")
	passwordFile := fs.String("source-password-file", "", "file whose first line is the source password")
	dryRun := fs.Bool("dry-run", false, "list what would be copied; change nothing")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageError(e, fs, "unexpected arguments")
	case *from == "":
		return usageError(e, fs, "--from URL is required")
	case *user == "":
		return usageError(e, fs, "--user NAME is required")
	}
	password, err := sourcePassword(e, *sourceUser, *passwordFile)
	if err != nil {
		return err
	}
	src, err := davimport.NewSource(*from, *sourceUser, password, nil)
	if err != nil {
		return usageError(e, fs, strings.TrimPrefix(err.Error(), "davimport: "))
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p, err := s.Principal(ctx, backend.KindUser, *user)
		if errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("no user %q in Kalends (create it with 'kalends user add')", *user)
		} else if err != nil {
			return err
		}
		im := davimport.NewImporter(newService(e, s), src, *dryRun)
		rep, err := im.Run(ctx, p, func(c *davimport.CalendarReport) { c.Print(e.stdout, *dryRun) })
		if err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "davimport: "))
		}
		if len(rep.Calendars) == 0 {
			fmt.Fprintf(e.stdout, "%s has no calendar of events or tasks\n", src.URL())
		}
		if n := rep.Rejected(); n > 0 {
			return fmt.Errorf("%d source object(s) rejected (listed above)", n)
		}
		return nil
	})
}

// sourcePassword returns the source password: the first line of file, or
// $KALENDS_SOURCE_PASSWORD. Without a source user there is none.
func sourcePassword(e *env, user, file string) (string, error) {
	if user == "" {
		if file != "" {
			return "", errors.New("--source-password-file needs --source-user")
		}
		return "", nil
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		line, err := bufio.NewReader(f).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		if line = strings.TrimRight(line, "\r\n"); line == "" {
			return "", fmt.Errorf("%s: empty password", file)
		}
		return line, nil
	}
	if p := e.getenv(sourcePasswordEnv); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("no password for source user %q: set $%s or --source-password-file", user, sourcePasswordEnv)
}
