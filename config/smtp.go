package config

import (
	"flag"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"
)

// SMTP is the relay that iMIP mail (invitations to people outside the
// server) goes through. With no Addr no mail is sent: it stays queued.
type SMTP struct {
	Addr string // host:port of the relay; "" = do not send mail
	// Security is starttls, tls or none; "" means starttls, or none when
	// the relay is on a loopback address (a local MTA).
	Security string
	Username string // login (AUTH PLAIN); "" = none
	// Password comes from $KALENDS_SMTP_PASSWORD or PasswordFile, never
	// from a flag: a flag's value is visible to everyone in ps.
	Password     string
	PasswordFile string
	From         string // the server's mailbox: From header and envelope sender
	HeloName     string // EHLO name; "" = the machine's host name
	// Poll is how often the queue is looked at when nothing was due.
	Poll time.Duration
}

// registerSMTP adds the SMTP flags.
func (c *Config) registerSMTP(fs *flag.FlagSet, getenv func(string) string) {
	str := func(p *string, name, env, usage string) {
		fs.StringVar(p, name, getenv(env), usage+" ($"+env+")")
	}
	str(&c.SMTP.Addr, "smtp-addr", "KALENDS_SMTP_ADDR", "SMTP relay host:port for invitations to people outside the server; empty: they stay queued")
	str(&c.SMTP.Security, "smtp-security", "KALENDS_SMTP_SECURITY", "starttls, tls or none (default starttls, none for a loopback relay)")
	str(&c.SMTP.Username, "smtp-username", "KALENDS_SMTP_USERNAME", "SMTP login name")
	str(&c.SMTP.PasswordFile, "smtp-password-file", "KALENDS_SMTP_PASSWORD_FILE", "file holding the SMTP password (or set $KALENDS_SMTP_PASSWORD)")
	str(&c.SMTP.From, "smtp-from", "KALENDS_SMTP_FROM", "the server's mail address, e.g. \"Kalends <calendar@example.com>\"")
	str(&c.SMTP.HeloName, "smtp-helo", "KALENDS_SMTP_HELO", "name to greet the relay with (default: the host name)")
	poll := 15 * time.Second
	if v, err := time.ParseDuration(getenv("KALENDS_SMTP_POLL")); err == nil && v > 0 {
		poll = v
	}
	fs.DurationVar(&c.SMTP.Poll, "smtp-poll", poll, "how often to look for mail to send ($KALENDS_SMTP_POLL)")
	c.SMTP.Password = getenv("KALENDS_SMTP_PASSWORD")
}

// SecurityMode is Security with its default applied.
func (s *SMTP) SecurityMode() string {
	if s.Security != "" {
		return strings.ToLower(s.Security)
	}
	if host, _, err := net.SplitHostPort(s.Addr); err == nil && isLoopback(host) {
		return "none"
	}
	return "starttls"
}

// LoadPassword reads PasswordFile into Password (a trailing line break
// removed), when it is set.
func (s *SMTP) LoadPassword() error {
	if s.PasswordFile == "" {
		return nil
	}
	if s.Password != "" {
		return fmt.Errorf("config: give the SMTP password in $KALENDS_SMTP_PASSWORD or in a file, not both")
	}
	b, err := os.ReadFile(s.PasswordFile)
	if err != nil {
		return fmt.Errorf("config: SMTP password file: %w", err)
	}
	s.Password = strings.TrimRight(string(b), "\r\n")
	return nil
}

// validate reports the first SMTP setting that cannot work; without
// Addr there is nothing to check.
func (s *SMTP) validate() error {
	if s.Addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("config: SMTP address %q is not host:port", s.Addr)
	}
	switch s.SecurityMode() {
	case "starttls", "tls":
	case "none":
		if s.Username != "" && !isLoopback(host) {
			return fmt.Errorf("config: an SMTP login needs --smtp-security starttls or tls unless the relay is on this host")
		}
	default:
		return fmt.Errorf("config: SMTP security %q is not starttls, tls or none", s.Security)
	}
	if s.Poll <= 0 {
		return fmt.Errorf("config: --smtp-poll must be positive")
	}
	if s.From == "" {
		return fmt.Errorf("config: --smtp-from is needed to send mail")
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("config: SMTP from address %q: %v", s.From, err)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
