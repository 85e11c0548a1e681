//go:build !linux

package main

import "syscall"

// serverProcAttr has no portable way to tie the server's life to ours off
// Linux; the benchmark still stops it by PID when it finishes or is
// interrupted.
func serverProcAttr() *syscall.SysProcAttr { return nil }
