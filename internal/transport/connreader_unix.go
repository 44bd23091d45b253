//go:build unix

package transport

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"

	"grpcwire/internal/bufpool"
)

// newSocketReader returns a pollReader of nc when nc is a plain TCP or Unix
// socket, else nil.
func newSocketReader(nc net.Conn, size int) connReader {
	var sc syscall.Conn
	switch c := nc.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	}
	if sc != nil {
		if rc, err := sc.SyscallConn(); err == nil {
			return newPollReader(rc, size)
		}
	}
	return nil
}

// pollReader reads a socket through its syscall.RawConn: it waits for the
// socket to be readable without holding a buffer, then reads into a pooled
// buffer, which goes back to the pool as soon as it has been read out. A
// read at least as large as the buffer goes straight into the caller's
// slice.
type pollReader struct {
	rc   syscall.RawConn
	size int
	bp   *[]byte // holds the unread bytes [r:w]; nil when there are none
	r, w int
	err  error // sticky: the connection failed or ended

	// copied counts the bytes ReadFull took from the buffer rather than
	// straight from the socket: the copies that reading a large DATA
	// payload still makes (TestLargeDataReadOnce).
	copied atomic.Int64
	// afterData counts the reads after a bulk ReadFull (a large DATA
	// payload of the stream whose payload came before) that read no more
	// than they are asked for: the next frame's header on its own, a small
	// frame's payload, so that the large payload after them does not land
	// in the buffer (to be copied out of it) but is read straight into the
	// stream's buffer by the next ReadFull. A flow-controlled sender cuts
	// its frames to the window, so a few small DATA frames come between the
	// large ones (afterDataReads). Exact reads cost a read per frame where
	// the buffer might have held several: only a bulk transfer takes them,
	// for afterDataReads reads after each of its payloads, and many
	// streams' messages interleaved (not bulk) read as before.
	afterData int

	// The callback's arguments and results, kept here so that a read
	// allocates nothing.
	dst     []byte
	fillLen int // how much a read into the pooled buffer may read
	tail    int // how much of the pooled buffer a readv fills after dst
	n       int
	rerr    error
	fn      func(fd uintptr) bool
	vfn     func(fd uintptr) bool // readvReady
}

func newPollReader(rc syscall.RawConn, size int) *pollReader {
	p := &pollReader{rc: rc, size: size}
	p.fn = p.readReady
	p.vfn = p.readvReady
	return p
}

// readReady is called by the runtime poller when the socket may be
// readable; it reports false to wait again (the read would block).
func (p *pollReader) readReady(fd uintptr) bool {
	dst := p.dst
	if dst == nil {
		if p.bp == nil {
			p.bp = bufpool.Get(p.size)
		}
		dst = (*p.bp)[:p.fillLen]
	}
	for {
		n, errno := sysRead(int(fd), dst)
		var err error
		if errno != 0 {
			err = errno
		}
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if p.dst == nil {
				bufpool.Put(p.bp) // no buffer while waiting
				p.bp = nil
			}
			return false
		}
		p.n, p.rerr = n, err
		return true
	}
}

// read runs one read into dst (nil: the pooled buffer).
func (p *pollReader) read(dst []byte) (int, error) {
	p.dst = dst
	err := p.rc.Read(p.fn)
	p.dst = nil
	switch {
	case err != nil: // deadline, closed connection
	case p.rerr != nil:
		err = os.NewSyscallError("read", p.rerr)
	case p.n <= 0:
		err = io.EOF
	default:
		return p.n, nil
	}
	p.err = err
	return 0, err
}

// empty releases the buffer once everything in it has been read.
func (p *pollReader) empty() {
	if p.bp != nil {
		bufpool.Put(p.bp)
		p.bp = nil
	}
	p.r, p.w = 0, 0
}

// limit says how much a read into the buffer may read when want bytes
// are needed: the buffer's size, or want while afterData lasts.
func (p *pollReader) limit(want int) int {
	if p.afterData > 0 {
		p.afterData--
		return min(want, p.size)
	}
	return p.size
}

// fill reads up to p.limit(want) bytes into the pooled buffer; the
// buffer is empty.
func (p *pollReader) fill(want int) error {
	if p.err != nil {
		return p.err
	}
	p.empty()
	p.fillLen = p.limit(want)
	n, err := p.read(nil)
	if err != nil {
		p.empty()
		return err
	}
	p.r, p.w = 0, n
	return nil
}

func (p *pollReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if p.r == p.w {
		if p.err != nil {
			return 0, p.err
		}
		if len(b) >= p.size || p.limit(len(b)) < p.size {
			p.empty()
			return p.read(b)
		}
		if err := p.fill(len(b)); err != nil {
			return 0, err
		}
	}
	n := copy(b, (*p.bp)[p.r:p.w])
	p.r += n
	if p.r == p.w {
		p.empty()
	}
	return n, nil
}

func (p *pollReader) ReadByte() (byte, error) {
	if p.r == p.w {
		if err := p.fill(1); err != nil {
			return 0, err
		}
	}
	c := (*p.bp)[p.r]
	p.r++
	if p.r == p.w {
		p.empty()
	}
	return c, nil
}

func (p *pollReader) Discard(n int) (int, error) {
	done := 0
	for done < n {
		if p.r == p.w {
			if err := p.fill(n - done); err != nil {
				return done, err
			}
		}
		k := min(n-done, p.w-p.r)
		p.r += k
		done += k
		if p.r == p.w {
			p.empty()
		}
	}
	return done, nil
}

// Peek returns the next n bytes (n at most the buffer's size), reading
// more after those already buffered when there are fewer.
func (p *pollReader) Peek(n int) ([]byte, error) {
	for p.w-p.r < n {
		if err := p.fillMore(n - (p.w - p.r)); err != nil {
			return nil, err
		}
	}
	return (*p.bp)[p.r : p.r+n], nil
}

// fillMore reads once more into the buffer, after the unread bytes, which
// move to its front first; want more bytes are needed.
func (p *pollReader) fillMore(want int) error {
	if p.r == p.w {
		return p.fill(want)
	}
	if p.err != nil {
		return p.err
	}
	if p.r > 0 {
		p.w = copy(*p.bp, (*p.bp)[p.r:p.w])
		p.r = 0
	}
	n, err := p.read((*p.bp)[p.w:min(p.size, p.w+p.limit(want))])
	if err != nil {
		return err
	}
	p.w += n
	return nil
}

// ReadFull fills b from the buffer and then straight from the socket,
// each read a readv(2) whose second part refills the buffer with what
// follows b: the buffer's size of it, or for a bulk read only the next
// frame's header, so that the next payload, when it is large too, is read
// by the kernel straight into its own buffer, never through the read
// buffer. Over a stream of 16 KiB DATA frames (the largest a peer sends
// until told otherwise) that is one readv per frame and no copy in this
// process; filling the whole buffer instead would save some of those
// reads but copy half of the payloads out of it.
func (p *pollReader) ReadFull(b []byte, bulk bool) error {
	p.afterData, p.tail = 0, p.size
	if bulk {
		p.afterData, p.tail = afterDataReads, min(p.size, frameHeaderLen)
	}
	n := 0
	if p.r < p.w {
		n = copy(b, (*p.bp)[p.r:p.w])
		p.copied.Add(int64(n))
		p.r += n
		if p.r == p.w {
			p.empty()
		}
	}
	for n < len(b) {
		if p.err != nil {
			if n > 0 && p.err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return p.err
		}
		rest := len(b) - n
		got, err := p.readv(b[n:])
		if err != nil {
			if n > 0 && err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if got <= rest {
			n += got
			continue
		}
		n = len(b)
		p.r, p.w = 0, got-rest
	}
	if p.r == p.w {
		p.empty()
	}
	return nil
}

// readv reads into dst and, past it, into the (empty) pooled buffer, in
// one system call where the platform has one (sysReadv); it returns the
// bytes read into both.
func (p *pollReader) readv(dst []byte) (int, error) {
	if p.bp == nil {
		p.bp = bufpool.Get(p.size)
	}
	p.dst = dst
	err := p.rc.Read(p.vfn)
	p.dst = nil
	switch {
	case err != nil:
	case p.rerr != nil:
		err = os.NewSyscallError("readv", p.rerr)
	case p.n <= 0:
		err = io.EOF
	default:
		return p.n, nil
	}
	p.err = err
	p.empty()
	return 0, err
}

// readvReady is readReady for readv: it reports false to wait again.
func (p *pollReader) readvReady(fd uintptr) bool {
	for {
		n, errno := sysReadv(int(fd), p.dst, (*p.bp)[:p.tail])
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		p.n, p.rerr = n, nil
		if errno != 0 {
			p.rerr = errno
		}
		return true
	}
}
