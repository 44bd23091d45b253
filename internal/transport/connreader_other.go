//go:build !unix

package transport

import "net"

// newSocketReader has no way to read a socket without a buffer here
// (syscall.Read on a socket's handle is Unix's): every connection gets a
// bufio.Reader, which holds its buffer for the connection's life.
func newSocketReader(nc net.Conn, size int) connReader { return nil }
