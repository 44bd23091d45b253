package transport

import (
	"bufio"
	"io"
	"net"

	"grpcwire/internal/bufpool"
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
	// Peek returns the next n bytes, reading more when fewer are
	// buffered, without consuming them; they stay valid until the next
	// call. n is at most the buffer's size.
	Peek(n int) ([]byte, error)
	// ReadFull fills b, as io.ReadFull: from the buffer first, then, on a
	// socket, straight from the kernel into b (with what follows going
	// into the buffer in the same readv), so that a large DATA payload
	// is copied once, by the kernel. bulk says that more payloads like b
	// are likely to follow (the previous large one was of the same
	// stream): a socket reader then reads only what it must until the
	// next, so that none of it lands in the buffer.
	ReadFull(b []byte, bulk bool) error
	// ReadPayload returns the next n bytes, a DATA payload, as data in
	// the pooled buffer (bufpool) bp, which becomes the caller's, read as
	// ReadFull reads: a socket reader that already holds the payload's
	// first bytes in a buffer of its own (read ahead, bulk) hands that
	// buffer over, and when split allows, the payload's end that did not
	// fit in it as data2 in another (bp2; nil when there is none).
	ReadPayload(n int, bulk, split bool) (bp *[]byte, data []byte, bp2 *[]byte, data2 []byte, err error)
}

// bufReader is the connReader of connections that are not plain sockets.
type bufReader struct{ *bufio.Reader }

func (r bufReader) ReadFull(b []byte, bulk bool) error {
	_, err := io.ReadFull(r.Reader, b)
	return err
}

func (r bufReader) ReadPayload(n int, bulk, split bool) (*[]byte, []byte, *[]byte, []byte, error) {
	bp := bufpool.Get(n)
	if _, err := io.ReadFull(r.Reader, *bp); err != nil {
		bufpool.Put(bp)
		return nil, nil, nil, nil, err
	}
	return bp, *bp, nil, nil, nil
}

// newConnReader returns a reader of nc that holds no buffer while the
// connection is idle when nc is a plain TCP or Unix socket on a Unix
// system: an idle connection then costs no read buffer at all. Other
// connections, and every connection elsewhere, get a bufio.Reader.
func newConnReader(nc net.Conn, size int) connReader {
	if r := newSocketReader(nc, size); r != nil {
		return r
	}
	return bufReader{bufio.NewReaderSize(nc, size)}
}
