package imip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security is how the SMTP connection is protected.
type Security string

// The kinds of Security.
const (
	StartTLS Security = "starttls" // plain connection upgraded with STARTTLS (RFC 3207), required
	TLS      Security = "tls"      // TLS from the start ("submissions", RFC 8314)
	NoTLS    Security = "none"     // plain text: only for a relay on the same host
)

// SMTP is the relay the mail is handed to.
type SMTP struct {
	Addr     string // host:port
	Security Security
	// Username and Password, when Username is set, log in with AUTH PLAIN
	// (RFC 4954), only ever over TLS or to a loopback address.
	Username, Password string
	HeloName           string // EHLO name; "" is "localhost"
	// DialTimeout bounds connecting (and the TLS handshake);
	// CommandTimeout bounds each reply of the server, the one after the
	// mail's data included. Zero means 30 s and 1 min.
	DialTimeout, CommandTimeout time.Duration
	// TLSConfig is used for TLS and STARTTLS; nil verifies the server
	// against the system's roots under the host name of Addr.
	TLSConfig *tls.Config
}

// sendError is a failure of one SMTP step: which command the server
// refused tells whether the mail itself was refused.
type sendError struct {
	Stage string // connect, hello, starttls, auth, mail, rcpt, data
	Err   error
}

func (e *sendError) Error() string { return "smtp " + e.Stage + ": " + e.Err.Error() }
func (e *sendError) Unwrap() error { return e.Err }

// Permanent reports whether a failed send must not be tried again: the
// server refused this recipient or this mail with a 5xx reply to RCPT or
// DATA (RFC 5321 §4.2.1: "550 no such user", "552 too big"), or the
// message cannot be built at all. Every other failure is temporary: 4xx
// replies (RFC 5321 §4.2.1: "try again later"), a relay that cannot be
// reached or does not answer, and 5xx replies before RCPT (a refused
// login or sender address), which are the server's configuration to fix
// and not the recipient's fault: reporting them to every organizer would
// mark each invitation failed for a problem an administrator solves.
func Permanent(err error) bool {
	var be *buildError
	if errors.As(err, &be) {
		return true
	}
	var se *sendError
	var ce *smtp.SMTPError
	if !errors.As(err, &se) || !errors.As(err, &ce) {
		return false
	}
	return ce.Code/100 == 5 && (se.Stage == "rcpt" || se.Stage == "data")
}

// buildError is a message that cannot be made into a mail.
type buildError struct{ err error }

func (e *buildError) Error() string { return e.err.Error() }
func (e *buildError) Unwrap() error { return e.err }

// Send hands one mail for one recipient to the relay (SendAll).
func (s *SMTP) Send(ctx context.Context, from, to string, msg []byte) error {
	return s.SendAll(ctx, from, []string{to}, msg)[0]
}

// SendAll hands one mail for several recipients to the relay in one SMTP
// transaction (RFC 5321 §3.3: one MAIL, a RCPT per recipient, one DATA)
// and returns the outcome of each recipient, in order: nil when the relay
// took the mail for it, the refusal of its RCPT, or else the failure of
// the transaction, which is that of every recipient it had accepted.
// ctx bounds the whole exchange: when it ends, the connection is closed
// at once, so a server that stops answering never holds a worker longer.
func (s *SMTP) SendAll(ctx context.Context, from string, to []string, msg []byte) []error {
	errs := make([]error, len(to))
	fail := func(err error) []error {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return errs
	}
	c, err := s.dial(ctx)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	if err := c.Mail(from, nil); err != nil {
		return fail(&sendError{"mail", err})
	}
	accepted := 0
	for i, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			errs[i] = &sendError{"rcpt", err}
		} else {
			accepted++
		}
	}
	if accepted == 0 {
		c.Quit()
		return errs
	}
	w, err := c.Data()
	if err != nil {
		return fail(&sendError{"data", err})
	}
	if _, err := w.Write(msg); err != nil {
		return fail(&sendError{"data", err})
	}
	if err := w.Close(); err != nil {
		return fail(&sendError{"data", err})
	}
	// The mail is accepted: a failed QUIT changes nothing.
	c.Quit()
	return errs
}

// dial connects to the relay, greets it, secures the connection and logs
// in as configured. The connection is closed when ctx ends.
func (s *SMTP) dial(ctx context.Context) (*client, error) {
	dialTimeout, cmdTimeout := s.DialTimeout, s.CommandTimeout
	if dialTimeout <= 0 {
		dialTimeout = 30 * time.Second
	}
	if cmdTimeout <= 0 {
		cmdTimeout = time.Minute
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, &sendError{"connect", err}
	}
	tlsConf := s.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: host}
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	var conn net.Conn
	if s.Security == TLS {
		conn, err = (&tls.Dialer{NetDialer: &net.Dialer{}, Config: tlsConf}).DialContext(dctx, "tcp", s.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(dctx, "tcp", s.Addr)
	}
	if err != nil {
		return nil, &sendError{"connect", err}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	c, err := s.hello(conn, tlsConf, cmdTimeout)
	if err != nil {
		stop()
		conn.Close()
		return nil, err
	}
	cl := &client{Client: c, stop: stop}
	if s.Username != "" {
		if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(host) {
			cl.Close()
			return nil, &sendError{"auth", errors.New("refusing to send the password without TLS")}
		}
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			cl.Close()
			return nil, &sendError{"auth", err}
		}
	}
	return cl, nil
}

// client is a connection to the relay that is closed when its context
// ends, until Close.
type client struct {
	*smtp.Client
	stop func() bool
}

func (c *client) Close() error {
	c.stop()
	return c.Client.Close()
}

// hello greets the server (EHLO with the configured name) and, for
// StartTLS, upgrades the connection first.
func (s *SMTP) hello(conn net.Conn, tlsConf *tls.Config, cmdTimeout time.Duration) (*smtp.Client, error) {
	var c *smtp.Client
	if s.Security == StartTLS {
		// go-smtp's STARTTLS says EHLO as "localhost" before the upgrade;
		// the EHLO that counts, after it, uses HeloName.
		conn.SetDeadline(time.Now().Add(cmdTimeout))
		var err error
		if c, err = smtp.NewClientStartTLS(conn, tlsConf); err != nil {
			return nil, &sendError{"starttls", err}
		}
		conn.SetDeadline(time.Time{})
	} else {
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = cmdTimeout, 2*cmdTimeout
	if s.HeloName != "" {
		if err := c.Hello(s.HeloName); err != nil {
			c.Close()
			return nil, &sendError{"hello", err}
		}
	}
	return c, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Validate reports a relay setting that cannot work.
func (s *SMTP) Validate() error {
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("imip: SMTP address %q is not host:port", s.Addr)
	}
	switch s.Security {
	case StartTLS, TLS, NoTLS:
	default:
		return fmt.Errorf("imip: SMTP security %q is not starttls, tls or none", s.Security)
	}
	if s.Username != "" && s.Security == NoTLS && !isLoopback(host) {
		return fmt.Errorf("imip: an SMTP password is sent only over TLS or to a loopback address")
	}
	return nil
}
