//go:build linux

package main

import (
	"os"
	"strconv"
	"syscall"
)

// serverProcAttr puts the server in its own process group, so that a
// terminal's Ctrl-C reaches only the benchmark, which then stops the server
// itself by PID after the phase in flight; and it has the kernel kill the
// server should the benchmark die without cleaning up.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// resetPeak sets the server's VmHWM back to its current VmRSS (writing 5
// to /proc/PID/clear_refs, Linux 4.0), so that the next reading of the
// peak is that of what ran since.
func (s *server) resetPeak() error {
	return os.WriteFile("/proc/"+strconv.Itoa(s.pid)+"/clear_refs", []byte("5"), 0)
}
