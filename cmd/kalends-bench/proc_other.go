//go:build !linux

package main

import (
	"errors"
	"syscall"
)

// serverProcAttr has no portable way to tie the server's life to ours off
// Linux; the benchmark still stops it by PID when it finishes or is
// interrupted.
func serverProcAttr() *syscall.SysProcAttr { return nil }

// resetPeak is Linux's alone: elsewhere peaks count from the server's start.
func (s *server) resetPeak() error { return errors.New("no /proc/PID/clear_refs") }
