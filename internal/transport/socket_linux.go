//go:build linux

package transport

import (
	"net"
	"os"
	"syscall"
	"unsafe"
)

// sysRead reads a non-blocking socket. It uses RawSyscall, which does not
// tell the Go scheduler that a system call is under way: a read of a
// non-blocking descriptor never blocks, so there is no P to hand off, and
// skipping entersyscall also spares the wake-up of the runtime's sysmon
// thread that the first system call after an idle spell makes (a futex
// wake, then a burst of 20 µs sleeps on the same CPU), which on a
// ping-pong load is paid once per call.
func sysRead(fd int, p []byte) (int, syscall.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), e
}

// multiReadv says that sysReadv fills every buffer it is given, so that
// a bulk read may read the next frames ahead (pollReader).
const multiReadv = true

// sysReadv reads into bufs, in order, with readv(2), through RawSyscall for
// the reason sysRead gives. bufs holds at most maxReadIOV buffers, the
// first not empty.
func sysReadv(fd int, bufs [][]byte) (int, syscall.Errno) {
	var iov [maxReadIOV]syscall.Iovec
	k := 0
	for _, b := range bufs {
		if len(b) > 0 {
			iov[k].Base = &b[0]
			iov[k].SetLen(len(b))
			k++
		}
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_READV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(k))
	return int(n), e
}

// sysWritev writes iov to a non-blocking socket with writev(2), through
// RawSyscall for the reason sysRead gives.
func sysWritev(fd int, iov []syscall.Iovec) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	return int(n), e
}

// socketWriter writes the batch to a plain TCP or Unix socket with
// sysWritev, waiting for the socket to be writable through its RawConn
// when the kernel's send buffer is full.
type socketWriter struct {
	nc   net.Conn
	rc   syscall.RawConn
	bufs [][]byte // what is left to write
	iov  []syscall.Iovec
	err  error
	fn   func(fd uintptr) bool
}

// newSocketWriter returns a socketWriter of nc when nc is a plain TCP or
// Unix socket, else nil (the batch is then written with net.Buffers).
func newSocketWriter(nc net.Conn) *socketWriter {
	var sc syscall.Conn
	switch c := nc.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &socketWriter{nc: nc, rc: rc}
	w.fn = w.writeReady
	return w
}

// write writes every byte of bufs, or fails.
func (w *socketWriter) write(bufs [][]byte) error {
	w.bufs, w.err = bufs, nil
	var err error
	for len(w.bufs) > 0 && err == nil && w.err == nil {
		err = w.rc.Write(w.fn)
	}
	if err == nil {
		err = w.err
	}
	clear(w.iov[:cap(w.iov)])
	w.bufs = nil
	if err != nil {
		return &net.OpError{Op: "write", Net: w.nc.LocalAddr().Network(), Source: w.nc.LocalAddr(), Addr: w.nc.RemoteAddr(), Err: err}
	}
	return nil
}

// writeReady is called by the runtime poller when the socket may be
// writable; it reports false to wait again (the send buffer is full).
func (w *socketWriter) writeReady(fd uintptr) bool {
	for len(w.bufs) > 0 {
		w.iov = w.iov[:0]
		for _, b := range w.bufs {
			if len(b) == 0 {
				continue
			}
			v := syscall.Iovec{Base: &b[0]}
			v.SetLen(len(b))
			w.iov = append(w.iov, v)
			if len(w.iov) == maxBatchIOV {
				break
			}
		}
		if len(w.iov) == 0 {
			w.bufs = nil
			return true
		}
		n, e := sysWritev(int(fd), w.iov)
		switch e {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			w.err = os.NewSyscallError("writev", e)
			return true
		}
		for n > 0 && len(w.bufs) > 0 {
			k := min(n, len(w.bufs[0]))
			w.bufs[0] = w.bufs[0][k:]
			n -= k
			if len(w.bufs[0]) == 0 {
				w.bufs = w.bufs[1:]
			}
		}
		for len(w.bufs) > 0 && len(w.bufs[0]) == 0 {
			w.bufs = w.bufs[1:]
		}
	}
	return true
}
