package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kalends/kalends/backend"
)

// runDelegate manages delegation: who may act for a user, room or
// resource (Apple's calendar-proxy). Read-write delegates change its
// calendars and answer its invitations — how a room with the manual
// booking policy gets its answers; read-only delegates see them.
func runDelegate(ctx context.Context, e *env, args []string) error {
	return runVerb(ctx, e, "delegate", []verb{{"add", delegateAdd}, {"remove", delegateRemove}, {"list", delegateList}}, args)
}

const principalArgHelp = "A principal is NAME, or KIND/NAME when a user, room and resource share the name\n" +
	"(KIND: user, room, resource, or their plurals)."

func delegateAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "delegate add", "delegate add PRINCIPAL DELEGATE [--read-only]\n\n"+
		"Lets DELEGATE act for PRINCIPAL: change its calendars and answer its invitations,\n"+
		"or with --read-only only see them. Replaces an earlier grant.\n"+principalArgHelp)
	readOnly := fs.Bool("read-only", false, "the delegate may only read")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError(e, fs, "a principal and a delegate expected")
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p, d, err := principalPair(ctx, s, pos[0], pos[1])
		if err != nil {
			return err
		}
		if err := s.SetDelegate(ctx, backend.Delegation{PrincipalID: p.ID, DelegateID: d.ID, Write: !*readOnly}); err != nil {
			if errors.Is(err, backend.ErrSelfDelegation) {
				return fmt.Errorf("%s %s cannot be its own delegate", p.Kind, p.Name)
			}
			return err
		}
		fmt.Fprintf(e.stdout, "%s %s may now %s for %s %s\n", d.Kind, d.Name, accessWord(!*readOnly), p.Kind, p.Name)
		return nil
	})
}

func delegateRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "delegate remove", "delegate remove PRINCIPAL DELEGATE\n\n"+principalArgHelp)
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError(e, fs, "a principal and a delegate expected")
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p, d, err := principalPair(ctx, s, pos[0], pos[1])
		if err != nil {
			return err
		}
		if err := s.RemoveDelegate(ctx, p.ID, d.ID); errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("%s %s is not a delegate of %s %s; nothing changed", d.Kind, d.Name, p.Kind, p.Name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s %s no longer acts for %s %s\n", d.Kind, d.Name, p.Kind, p.Name)
		return nil
	})
}

func delegateList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "delegate list", "delegate list PRINCIPAL\n\n"+
		"Lists who acts for PRINCIPAL, and for whom it acts.\n"+principalArgHelp)
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, "one principal expected")
	}
	return withDatabase(ctx, e, cfgDB, func(s backend.Store) error {
		p, err := findPrincipal(ctx, s, pos[0])
		if err != nil {
			return err
		}
		delegates, err := s.Delegates(ctx, p.ID)
		if err != nil {
			return err
		}
		grants, err := s.DelegatedTo(ctx, p.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RELATION\tPRINCIPAL\tACCESS")
		for _, d := range delegates {
			q, err := s.PrincipalByID(ctx, d.DelegateID)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "delegate\t%s/%s\t%s\n", q.Kind, q.Name, accessName(d.Write))
		}
		for _, d := range grants {
			q, err := s.PrincipalByID(ctx, d.PrincipalID)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "acts-for\t%s/%s\t%s\n", q.Kind, q.Name, accessName(d.Write))
		}
		return tw.Flush()
	})
}

func accessWord(write bool) string {
	if write {
		return "act"
	}
	return "read"
}

func accessName(write bool) string {
	if write {
		return "read-write"
	}
	return "read-only"
}

// principalPair finds a principal and its delegate.
func principalPair(ctx context.Context, s backend.Store, principal, delegate string) (*backend.Principal, *backend.Principal, error) {
	p, err := findPrincipal(ctx, s, principal)
	if err != nil {
		return nil, nil, err
	}
	d, err := findPrincipal(ctx, s, delegate)
	if err != nil {
		return nil, nil, err
	}
	return p, d, nil
}

// findPrincipal finds a principal given as NAME or KIND/NAME. A bare name
// that several kinds use is refused, not guessed.
func findPrincipal(ctx context.Context, s backend.Store, arg string) (*backend.Principal, error) {
	kinds := []backend.PrincipalKind{backend.KindUser, backend.KindRoom, backend.KindResource}
	name := arg
	if k, n, ok := strings.Cut(arg, "/"); ok {
		kind := backend.PrincipalKind(strings.TrimSuffix(k, "s"))
		if !kind.Valid() {
			return nil, fmt.Errorf("unknown principal kind %q in %q: want user, room or resource", k, arg)
		}
		kinds, name = []backend.PrincipalKind{kind}, n
	}
	var found []*backend.Principal
	for _, k := range kinds {
		p, err := s.Principal(ctx, k, name)
		if errors.Is(err, backend.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = append(found, p)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no user, room or resource named %q", arg)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%q names a %s and a %s: write KIND/NAME, e.g. %s/%s", arg, found[0].Kind, found[1].Kind, found[1].Kind, name)
}
