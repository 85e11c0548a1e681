package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/kalends/kalends/backend"
)

// runMail shows and retries the iMIP mail queue: the invitations, updates,
// cancellations and replies for people outside the server.
func runMail(ctx context.Context, e *env, args []string) error {
	return runVerb(ctx, e, "mail", []verb{{"list", mailList}, {"retry", mailRetry}}, args)
}

// mailPage is how many messages one query of mail list reads: a long
// queue is listed page by page, never held whole.
const mailPage = 500

func mailList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail list", "mail list [--status pending|sent|failed]\n\n"+
		"Lists the queued mail to people outside the server, oldest first.")
	status := fs.String("status", "", "only messages of this status: pending, sent or failed")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError(e, fs, "unexpected arguments")
	}
	switch *status {
	case "", backend.MessagePending, backend.MessageSent, backend.MessageFailed:
	default:
		return usageError(e, fs, fmt.Sprintf("status %q is not pending, sent or failed", *status))
	}
	return withMailQueue(ctx, e, cfgDB, func(q backend.MailQueue) error {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tTRIES\tMETHOD\tRECIPIENT\tQUEUED\tNEXT\tERROR")
		for after := int64(0); ; {
			msgs, err := q.ListMessages(ctx, *status, after, mailPage)
			if err != nil {
				return err
			}
			for _, m := range msgs {
				next := "-"
				if m.Status == backend.MessagePending {
					next = "now"
					if !m.NextAttemptAt.IsZero() {
						next = m.NextAttemptAt.Local().Format(time.DateTime)
					}
				}
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Status, m.Attempts, m.Method,
					address(m.Recipient), m.CreatedAt.Local().Format(time.DateTime), next, oneLine(m.LastError))
			}
			if len(msgs) < mailPage {
				break
			}
			after = msgs[len(msgs)-1].ID
		}
		return tw.Flush()
	})
}

func mailRetry(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "mail retry", "mail retry ID\n\n"+
		"Sends a failed (or waiting) message at the next chance, with a fresh round of attempts.")
	cfgDB := databaseFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(e, fs, "one message ID expected")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usageError(e, fs, fmt.Sprintf("%q is not a message ID", pos[0]))
	}
	return withMailQueue(ctx, e, cfgDB, func(q backend.MailQueue) error {
		switch err := q.RetryMessage(ctx, id); {
		case errors.Is(err, backend.ErrNotFound):
			return fmt.Errorf("no message %d", id)
		case errors.Is(err, backend.ErrPreconditionFailed):
			return fmt.Errorf("message %d was sent already; nothing changed", id)
		case err != nil:
			return err
		}
		fmt.Fprintf(e.stdout, "message %d will be sent at the next chance\n", id)
		return nil
	})
}

// withMailQueue is withDatabase for a command that uses the mail queue only.
func withMailQueue(ctx context.Context, e *env, database *dbFlags, fn func(q backend.MailQueue) error) error {
	return withDatabase(ctx, e, database, func(s backend.Store) error { return fn(s) })
}

// address is the mail address of a calendar user address.
func address(calAddr string) string {
	if len(calAddr) >= 7 && (calAddr[:7] == "mailto:" || calAddr[:7] == "MAILTO:") {
		return calAddr[7:]
	}
	return calAddr
}
