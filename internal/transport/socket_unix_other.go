//go:build unix && !linux

package transport

import "syscall"

// sysRead reads a non-blocking socket with syscall.Read (Linux's goes
// through RawSyscall, socket_linux.go).
func sysRead(fd int, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(fd, p)
	if err != nil {
		if e, ok := err.(syscall.Errno); ok {
			return n, e
		}
		return n, syscall.EIO
	}
	return n, 0
}

// sysReadv reads into a only: no readv here; b is filled by the next read.
func sysReadv(fd int, a, b []byte) (int, syscall.Errno) {
	return sysRead(fd, a)
}
