package tap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Forwarded is what Forward copied: the bytes each way.
type Forwarded struct {
	FromClient, FromServer int64
}

// Forward copies every byte between client and server, both ways and
// unchanged, through one fixed buffer per direction, and writes each chunk
// to f (its Client or Server side) before forwarding it. f may be nil: the
// bytes are then only forwarded.
//
// It returns once both directions have ended and both connections are
// closed. When one side hangs up (or fails, or ctx ends), note is told so
// in plain words; the hang-up is passed on as a half-close of the other
// connection, so that the last frames forwarded (a GOAWAY) arrive before the
// end, and the other side is closed once it closes too, or grace later (a
// grace of zero or less is DefaultCloseGrace).
func Forward(ctx context.Context, client, server net.Conn, f *Follower, note func(at time.Time, text string), grace time.Duration) Forwarded {
	if grace <= 0 {
		grace = DefaultCloseGrace
	}
	fw := &forwarder{note: note, grace: grace, now: time.Now}
	if f != nil {
		fw.now = f.now
	}
	fw.ends[0] = end{name: "client", conn: client}
	fw.ends[1] = end{name: "server", conn: server}
	var toServer, toClient io.Writer
	if f != nil {
		toServer, toClient = f.Client(), f.Server()
	}

	stop := context.AfterFunc(ctx, func() { fw.closeAll("the proxy is stopping") })
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); fw.copy(0, toServer) }()
	go func() { defer wg.Done(); fw.copy(1, toClient) }()
	wg.Wait()
	stop()
	fw.closeAll("")
	return Forwarded{FromClient: fw.ends[0].n, FromServer: fw.ends[1].n}
}

// end is one side of the forwarded connection.
type end struct {
	name string
	conn net.Conn
	n    int64 // bytes read from it (and forwarded); written only by its copy goroutine
}

// forwarder is one Forward: two copy goroutines, one per direction.
type forwarder struct {
	note  func(at time.Time, text string)
	grace time.Duration
	now   func() time.Time
	ends  [2]end

	mu     sync.Mutex
	first  int  // the side that ended first, once ended > 0; guarded by mu
	ended  int  // directions ended; guarded by mu
	closed bool // both connections closed; guarded by mu
}

// copy forwards what side i sends to the other side, feeding it to w
// first, until side i ends or the other side cannot be written.
func (fw *forwarder) copy(i int, w io.Writer) {
	src, dst := &fw.ends[i], &fw.ends[1-i]
	buf := make([]byte, copyBufferSize)
	for {
		n, err := src.conn.Read(buf)
		if n > 0 {
			if w != nil {
				_, _ = w.Write(buf[:n])
			}
			if _, werr := dst.conn.Write(buf[:n]); werr != nil {
				fw.writeFailed(i, werr)
				return
			}
			src.n += int64(n)
		}
		if err != nil {
			fw.readEnded(i, err)
			return
		}
	}
}

// readEnded handles the end of what side i sends: the first end is
// reported and passed on as a half-close, the second closes everything.
func (fw *forwarder) readEnded(i int, err error) {
	src, dst := &fw.ends[i], &fw.ends[1-i]
	fw.mu.Lock()
	defer fw.mu.Unlock()
	fw.ended++
	if fw.closed {
		return
	}
	if fw.ended == 1 {
		fw.first = i
		fw.report("%s; the proxy closes the connection to the %s", hangUp(src, err), dst.name)
		closeWrite(dst.conn)
		// The other side gets grace to close in turn.
		_ = dst.conn.SetReadDeadline(fw.now().Add(fw.grace))
		return
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		fw.report("the %s had not closed its connection %v after the %s did; the proxy closed it", src.name, fw.grace, fw.ends[fw.first].name)
	case errors.Is(err, io.EOF):
		fw.report("the %s closed its connection too, after sending %d bytes", src.name, src.n)
	default:
		fw.report("%s", hangUp(src, err))
	}
	fw.closeLocked()
}

// writeFailed handles a failed write to the other side of side i.
func (fw *forwarder) writeFailed(i int, err error) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	fw.ended++
	if fw.closed {
		return
	}
	dst := &fw.ends[1-i]
	fw.report("forwarding the %s's bytes to the %s failed (%v); the proxy closes both connections", fw.ends[i].name, dst.name, err)
	fw.closeLocked()
}

// hangUp words how side e's bytes ended.
func hangUp(e *end, err error) string {
	if errors.Is(err, io.EOF) {
		return fmt.Sprintf("the %s closed its connection after sending %d bytes", e.name, e.n)
	}
	return fmt.Sprintf("the connection to the %s failed after it sent %d bytes (%v)", e.name, e.n, err)
}

// closeAll closes both connections, saying why when why is not empty.
func (fw *forwarder) closeAll(why string) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return
	}
	if why != "" {
		fw.report("%s; it closes both connections", why)
	}
	fw.closeLocked()
}

// closeLocked closes both connections once. Callers hold fw.mu.
func (fw *forwarder) closeLocked() {
	if fw.closed {
		return
	}
	fw.closed = true
	for i := range fw.ends {
		_ = fw.ends[i].conn.Close()
	}
}

// report tells the note function. Callers hold fw.mu, so reports come in
// order.
func (fw *forwarder) report(format string, args ...any) {
	if fw.note != nil {
		fw.note(fw.now(), fmt.Sprintf(format, args...))
	}
}

// closeWrite half-closes c when it can (TCP, TLS after its handshake, unix
// sockets), and closes it otherwise.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		if cw.CloseWrite() == nil {
			return
		}
	}
	_ = c.Close()
}
