//go:build linux

package main

import "syscall"

// serverProcAttr puts the server in its own process group, so that a
// terminal's Ctrl-C reaches only the benchmark, which then stops the server
// itself by PID after the phase in flight; and it has the kernel kill the
// server should the benchmark die without cleaning up.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
