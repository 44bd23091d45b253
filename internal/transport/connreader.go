package transport

import (
	"bufio"
	"io"
	"net"
)

// How the reader goroutine reads the socket. On Unix systems
// (connreader_unix.go) a plain TCP or Unix socket is read through its
// syscall.RawConn into pooled buffers, only once it is readable, so that an
// idle connection holds no read buffer; elsewhere (connreader_other.go), and
// for other connections (TLS, in memory), a bufio.Reader does.

// connReader is what the reader goroutine reads frames from: a buffered
// reader of the connection.
type connReader interface {
	io.Reader
	io.ByteReader
	Discard(n int) (int, error)
}

// newConnReader returns a reader of nc that holds no buffer while the
// connection is idle when nc is a plain TCP or Unix socket on a Unix
// system: an idle connection then costs no read buffer at all. Other
// connections, and every connection elsewhere, get a bufio.Reader.
func newConnReader(nc net.Conn, size int) connReader {
	if r := newSocketReader(nc, size); r != nil {
		return r
	}
	return bufio.NewReaderSize(nc, size)
}
