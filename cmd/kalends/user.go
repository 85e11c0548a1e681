package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/kalends/kalends/backend"
)

func runUser(ctx context.Context, e *env, args []string) error {
	return runVerb(ctx, e, "user", []verb{{"add", userAdd}, {"passwd", userPasswd}, {"list", userList}, {"delete", userDelete}}, args)
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// parseArgs parses flags that may come before or after positional
// arguments (`user add alice --email a@x`), returning the positionals.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func userAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "user add", "user add NAME --email ADDRESS [--display-name NAME] [--admin] [--password-stdin]")
	var emails multiFlag
	fs.Var(&emails, "email", "calendar user address, required (repeatable; the first is preferred)")
	display := fs.String("display-name", "", "human name shown to others")
	admin := fs.Bool("admin", false, "allow administrative APIs")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of prompting")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, "exactly one user name expected")
	}
	name := pos[0]
	if err := backend.ValidateName(name); err != nil {
		return usageError(e, fs, err.Error())
	}
	if len(emails) == 0 {
		return usageError(e, fs, "--email is required: it is how invitations find the user")
	}
	for _, a := range emails {
		if !strings.Contains(backend.NormalizeEmail(a), "@") {
			return usageError(e, fs, fmt.Sprintf("%q is not an e-mail address", a))
		}
	}
	password, err := readPassword(e, *fromStdin)
	if err != nil {
		return err
	}
	hash, err := backend.HashPassword(password)
	if err != nil {
		return err
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p := &backend.Principal{Kind: backend.KindUser, Name: name, DisplayName: *display, Emails: emails, Admin: *admin}
		if err := s.CreatePrincipal(ctx, p, hash); err != nil {
			if errors.Is(err, backend.ErrExists) {
				return fmt.Errorf("user %q or one of its addresses already exists; nothing changed", name)
			}
			return err
		}
		fmt.Fprintf(e.stdout, "created user %s\n", name)
		return nil
	})
}

func userPasswd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "user passwd", "user passwd NAME [--password-stdin]")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of prompting")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, "exactly one user name expected")
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		id, _, err := s.Credentials(ctx, pos[0])
		if errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("no user %q", pos[0])
		} else if err != nil {
			return err
		}
		password, err := readPassword(e, *fromStdin)
		if err != nil {
			return err
		}
		hash, err := backend.HashPassword(password)
		if err != nil {
			return err
		}
		if err := s.SetPassword(ctx, id, hash); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s changed\n", pos[0])
		return nil
	})
}

func userList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "user list", "user list")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError(e, fs, "unexpected arguments")
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		users, err := s.ListPrincipals(ctx, backend.KindUser)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tDISPLAY NAME\tADDRESSES\tADMIN")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", u.Name, u.DisplayName, strings.Join(u.Emails, ","), u.Admin)
		}
		return tw.Flush()
	})
}

func userDelete(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "user delete", "user delete NAME")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, "exactly one user name expected")
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p, err := s.Principal(ctx, backend.KindUser, pos[0])
		if errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("no user %q", pos[0])
		} else if err != nil {
			return err
		}
		if err := s.DeletePrincipal(ctx, p.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "deleted user %s and all their calendars\n", pos[0])
		return nil
	})
}

// readPassword reads a password from standard input (--password-stdin: the
// first line) or, on a terminal, from a prompt asked twice.
func readPassword(e *env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", errors.New("empty password on standard input")
		}
		return line, checkPassword(line)
	}
	if !e.stdinIsTTY {
		return "", errors.New("standard input is not a terminal: pass the password with --password-stdin")
	}
	fmt.Fprint(e.stderr, "Password: ")
	p1, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Repeat password: ")
	p2, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", errors.New("the passwords differ")
	}
	if len(p1) == 0 {
		return "", errors.New("empty password")
	}
	return string(p1), checkPassword(string(p1))
}

// minPasswordLength is the shortest password accepted, in characters
// (NIST SP 800-63B §3.1.1.2: at least 8 for a password the user chose).
const minPasswordLength = 8

// checkPassword refuses passwords too short to resist guessing.
func checkPassword(p string) error {
	if n := utf8.RuneCountInString(p); n < minPasswordLength {
		return fmt.Errorf("password too short: %d characters, at least %d needed", n, minPasswordLength)
	}
	return nil
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
