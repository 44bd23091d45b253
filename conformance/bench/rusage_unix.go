//go:build unix

package bench

import "syscall"

// readRusage fills s's CPU times and context switches from getrusage(2).
func readRusage(s *Snapshot) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		s.User = ru.Utime.Nano()
		s.Sys = ru.Stime.Nano()
		s.VolCtxSw = int64(ru.Nvcsw)
		s.InvolCtxSw = int64(ru.Nivcsw)
	}
}
