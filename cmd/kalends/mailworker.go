package main

import (
	"context"
	"log/slog"
	"net/mail"
	"os"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/config"
	"github.com/kalends/kalends/scheduling/imip"
)

// startMailWorker starts the iMIP outbox worker when an SMTP relay is
// configured and returns a function that waits for it to stop (after ctx
// ended). Without a relay it says once that external invitations stay
// queued, and does nothing else.
func startMailWorker(ctx context.Context, logger *slog.Logger, cfg *config.Config, q backend.MailQueue) (func(), error) {
	if cfg.SMTP.Addr == "" {
		logger.Info("no SMTP relay configured (--smtp-addr): invitations to people outside the server stay queued")
		return func() {}, nil
	}
	if err := cfg.SMTP.LoadPassword(); err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(cfg.SMTP.From)
	if err != nil {
		return nil, err
	}
	helo := cfg.SMTP.HeloName
	if helo == "" {
		helo, _ = os.Hostname()
	}
	relay := &imip.SMTP{Addr: cfg.SMTP.Addr, Security: imip.Security(cfg.SMTP.SecurityMode()),
		Username: cfg.SMTP.Username, Password: cfg.SMTP.Password, HeloName: helo}
	if err := relay.Validate(); err != nil {
		return nil, err
	}
	w := imip.New(q, imip.Options{SMTP: relay, Sender: imip.Sender{From: *from}, Poll: cfg.SMTP.Poll, Logger: logger})
	logger.Info("sending invitations to people outside the server", "smtp", cfg.SMTP.Addr,
		"security", cfg.SMTP.SecurityMode(), "from", from.Address)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	return func() { <-done }, nil
}
