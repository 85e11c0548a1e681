package imip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestBackoff: the waits grow as documented and end after about a day.
func TestBackoff(t *testing.T) {
	var total time.Duration
	var waits []time.Duration
	for attempts := 1; ; attempts++ {
		wait, ok := nextAttempt(DefaultRetries, attempts)
		if !ok {
			if attempts != 7 {
				t.Fatalf("gave up after %d attempts, want 7", attempts)
			}
			break
		}
		waits = append(waits, wait)
		total += wait
	}
	if fmt.Sprint(waits) != "[1m0s 5m0s 30m0s 2h0m0s 6h0m0s 15h0m0s]" {
		t.Fatalf("waits %v", waits)
	}
	if total < 20*time.Hour || total > 26*time.Hour {
		t.Fatalf("the last attempt comes %v after the first, want about a day", total)
	}
	if _, ok := nextAttempt(DefaultRetries, 0); ok {
		t.Fatal("a retry before any attempt")
	}
}

// TestPermanent: only a 5xx refusal of the recipient or of the data (or
// a message that cannot be built) ends the tries at once.
func TestPermanent(t *testing.T) {
	smtpErr := func(code int) error { return &smtp.SMTPError{Code: code, Message: "x"} }
	tests := []struct {
		err  error
		want bool
	}{
		{&sendError{"rcpt", smtpErr(550)}, true},
		{&sendError{"rcpt", smtpErr(553)}, true},
		{&sendError{"data", smtpErr(552)}, true},
		{fmt.Errorf("wrapped: %w", &sendError{"rcpt", smtpErr(550)}), true},
		{&sendError{"rcpt", smtpErr(451)}, false},
		{&sendError{"rcpt", smtpErr(452)}, false},
		{&sendError{"data", smtpErr(421)}, false},
		{&sendError{"auth", smtpErr(535)}, false},
		{&sendError{"mail", smtpErr(550)}, false},
		{&sendError{"hello", smtpErr(554)}, false},
		{&sendError{"connect", &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, false},
		{&sendError{"rcpt", context.DeadlineExceeded}, false},
		{&buildError{errors.New("bad data")}, true},
		{errors.New("anything else"), false},
	}
	for _, tc := range tests {
		if got := Permanent(tc.err); got != tc.want {
			t.Errorf("Permanent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
