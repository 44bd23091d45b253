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

// multiReadv is false: sysReadv reads into its first buffer only.
const multiReadv = false

// sysReadv reads into bufs[0] only: no readv here; what follows is read by
// the next read.
func sysReadv(fd int, bufs [][]byte) (int, syscall.Errno) {
	return sysRead(fd, bufs[0])
}
