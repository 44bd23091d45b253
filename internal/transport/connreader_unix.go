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
//
// A bulk transfer (the large DATA payloads of one stream in a row) is read
// ahead by frames: the readv that brings one payload also reads the next
// frames' headers into small slots and their payloads, guessed to be as
// long as this one, into pooled buffers of their own (parts). When the
// guess holds, ReadPayload hands such a buffer over as it is, so that a
// stream of 16 KiB frames takes one system call per specFrames+1 frames
// and no copy in this process; when it does not (a frame of another
// length, type or stream), the parts are just the next bytes of the
// connection, read out through the other methods like any buffered bytes.
type pollReader struct {
	rc   syscall.RawConn
	size int
	// The current buffer: buf[r:w] are the unread bytes; bp is the pooled
	// buffer behind buf, nil when buf is a header slot or there is none.
	bp   *[]byte
	buf  []byte
	r, w int
	err  error // sticky: the connection failed or ended

	// parts are the bytes a read-ahead readv brought after the payload it
	// was for, in the connection's order, after the current buffer's:
	// headers in ra's slots, payloads in pooled buffers. Nothing is read from
	// the socket while there are any.
	parts []part
	// ra holds the read-ahead's buffers, allocated by the first bulk
	// read: a connection that never reads in bulk does not carry them.
	ra *readAhead

	// copied counts the bytes ReadFull took from the buffer rather than
	// straight from the socket: the copies that reading a large DATA
	// payload still makes (TestLargeDataReadOnce). handed counts the
	// payload bytes ReadPayload handed over in a buffer the reader had
	// read them into, reads the read system calls that found bytes, the
	// end of the stream or an error (not those that found none yet).
	copied, handed, reads atomic.Int64
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
	bulk      bool // the readv under way reads ahead (readvReady)
	// noAhead counts the bulk reads left that read no frame ahead, after
	// read-ahead bytes had to be copied (aheadBackoff).
	noAhead int

	// The callback's arguments and results, kept here so that a read
	// allocates nothing.
	dst     []byte
	fillLen int // how much a read into the pooled buffer may read
	n       int
	rerr    error
	fn      func(fd uintptr) bool
	vfn     func(fd uintptr) bool // readvReady
}

// part is bytes read ahead: b in the pooled buffer bp, or in a header slot
// (bp nil).
type part struct {
	bp *[]byte
	b  []byte
}

// readAhead is what a bulk readv reads into besides the payload it is for
// (readv): header slots, and the buffers of the payloads read ahead.
type readAhead struct {
	partArr [2*specFrames + 1]part
	hdrs    [specFrames + 1][frameHeaderLen]byte
	iovs    [maxReadIOV][]byte
	niov    int
	spec    [specFrames]*[]byte // the read-ahead payload buffers of iovs
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
		p.reads.Add(1)
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

// empty releases the current buffer once everything in it has been read.
func (p *pollReader) empty() {
	if p.bp != nil {
		bufpool.Put(p.bp)
		p.bp = nil
	}
	p.buf = nil
	p.r, p.w = 0, 0
}

// advance makes the first part the current buffer, the current one being
// read out; it reports false when there is no part.
func (p *pollReader) advance() bool {
	if len(p.parts) == 0 {
		return false
	}
	p.empty()
	pt := p.popPart()
	p.bp, p.buf, p.r, p.w = pt.bp, pt.b[:cap(pt.b)], 0, len(pt.b)
	return true
}

// popPart removes the first part and returns it; its buffer is the
// caller's.
func (p *pollReader) popPart() part {
	pt := p.parts[0]
	p.parts[0] = part{}
	p.parts = p.parts[1:]
	if len(p.parts) == 0 {
		p.parts = p.ra.partArr[:0]
	}
	return pt
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

// fill makes bytes current, the current buffer being empty: the next part,
// or up to p.limit(want) bytes read into a pooled buffer.
func (p *pollReader) fill(want int) error {
	if p.advance() {
		return nil
	}
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
	p.buf, p.r, p.w = *p.bp, 0, n
	return nil
}

func (p *pollReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if p.r == p.w && !p.advance() {
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
	n := copy(b, p.buf[p.r:p.w])
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
	c := p.buf[p.r]
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
	return p.buf[p.r : p.r+n], nil
}

// fillMore brings more bytes after the unread ones of the current buffer,
// which becomes a pooled buffer of the reader's size first, with them at
// its front: those of the next part, or one read's; want more bytes are
// needed.
func (p *pollReader) fillMore(want int) error {
	if p.r == p.w {
		return p.fill(want)
	}
	if p.bp == nil || len(p.buf) < p.size {
		// A header slot or a read-ahead payload buffer: too small.
		nb := bufpool.Get(p.size)
		k := copy(*nb, p.buf[p.r:p.w])
		bufpool.Put(p.bp)
		p.bp, p.buf, p.r, p.w = nb, *nb, 0, k
	} else if p.r > 0 {
		p.w = copy(p.buf, p.buf[p.r:p.w])
		p.r = 0
	}
	if len(p.parts) > 0 {
		pt := &p.parts[0]
		k := copy(p.buf[p.w:p.size], pt.b)
		p.w += k
		pt.b = pt.b[k:]
		if len(pt.b) == 0 {
			bufpool.Put(p.popPart().bp)
		}
		return nil
	}
	if p.err != nil {
		return p.err
	}
	n, err := p.read(p.buf[p.w:min(p.size, p.w+p.limit(want))])
	if err != nil {
		return err
	}
	p.w += n
	return nil
}

// ReadPayload returns the next n bytes, a DATA payload, as data in the
// pooled buffer bp, which becomes the caller's, and, when split is allowed
// and the payload did not fit there, the end of it as data2 in the pooled
// buffer bp2 (else nil). When the payload's first bytes are already in a
// pooled buffer of the reader (one read ahead, or the read buffer), and the
// payload fills at least half of it, that buffer is handed over as it is,
// with the rest of the payload read into it after them: what follows the
// payload in it, when it is less than the payload, is copied into a buffer
// of its own first (else the payload is copied out instead), and what does
// not fit in it (a read ahead that a short frame before shifted) goes into
// bp2 when at most half of the payload. Otherwise the payload is read into
// a new buffer by ReadFull. bulk is ReadFull's.
func (p *pollReader) ReadPayload(n int, bulk, split bool) (bp *[]byte, data []byte, bp2 *[]byte, data2 []byte, err error) {
	if p.r == p.w {
		p.advance()
	}
	var head *[]byte
	if split && p.r < p.w {
		// The payload starts with a few bytes here and in header slots
		// (the frames before were shorter than guessed) and goes on in a
		// read-ahead buffer: those bytes become a piece of their own, the
		// rest is handed over in that buffer, in one piece.
		k, i := p.w-p.r, 0
		for i < len(p.parts) && p.parts[i].bp == nil {
			k += len(p.parts[i].b)
			i++
		}
		if 2*k < n && i < len(p.parts) {
			head = bufpool.Get(k)
			for got := 0; got < k; p.advance() {
				c := copy((*head)[got:], p.buf[p.r:p.w])
				p.copied.Add(int64(c))
				got += c
				p.r = p.w
			}
			n -= k
			split = false
		}
	}
	bp, data, bp2, data2, err = p.readPayload(n, bulk, split)
	if head != nil && err == nil {
		return head, *head, bp, data, nil
	}
	bufpool.Put(head)
	return bp, data, bp2, data2, err
}

// readPayload is ReadPayload once the payload's first bytes, if any are
// buffered, are the current buffer's.
func (p *pollReader) readPayload(n int, bulk, split bool) (bp *[]byte, data []byte, bp2 *[]byte, data2 []byte, err error) {
	// buf may start after the beginning of bp (fillMore took bytes of a
	// part): indexes are buf's, up to its capacity.
	if bp = p.bp; bp != nil && p.r < p.w && 2*n >= cap(*bp) {
		have := min(n, p.w-p.r)
		excess := p.w - p.r - have
		room := cap(p.buf) - p.r
		if excess < n && (n <= room || split && 2*min(have, room) >= n) {
			full, r := p.buf[:cap(p.buf)], p.r
			first := min(n, room)
			have = min(have, first)
			data = full[r : r+first]
			p.bp, p.buf, p.r, p.w = nil, nil, 0, 0
			if excess > 0 { // then the payload fits: first is n
				rest := bufpool.Get(max(p.size, excess))
				p.copied.Add(int64(copy(*rest, full[r+n:r+n+excess])))
				p.bp, p.buf, p.r, p.w = rest, *rest, 0, excess
			}
			p.handed.Add(int64(have))
			if bulk {
				p.afterData = afterDataReads
			}
			if have < first {
				if err := p.readFull(data[have:], bulk, n); err != nil {
					bufpool.Put(bp)
					return nil, nil, nil, nil, err
				}
			}
			if first < n {
				bp2 = bufpool.Get(n - first)
				if err := p.readFull(*bp2, bulk, n); err != nil {
					bufpool.Put(bp)
					bufpool.Put(bp2)
					return nil, nil, nil, nil, err
				}
				data2 = *bp2
			}
			return bp, data, bp2, data2, nil
		}
	}
	if p.r < p.w && p.bp != nil {
		// Read-ahead bytes that could not be handed over (the frames were
		// not as guessed: a sender cutting them to its window) are copied:
		// read exactly for a while instead.
		p.noAhead = aheadBackoff
	}
	bp = bufpool.Get(n)
	if err := p.readFull(*bp, bulk, n); err != nil {
		bufpool.Put(bp)
		return nil, nil, nil, nil, err
	}
	return bp, *bp, nil, nil, nil
}

// ReadFull fills b from the buffered bytes and then straight from the
// socket, each read a readv(2) whose other parts take what follows b: the
// buffer's size of it into the buffer, or for a bulk read the next
// frames, read ahead (see pollReader), so that the next payloads, when
// they are large too, are read by the kernel straight into buffers of
// their own, never through the read buffer.
func (p *pollReader) ReadFull(b []byte, bulk bool) error {
	return p.readFull(b, bulk, len(b))
}

// readFull is ReadFull for b, the end of a payload of frame bytes (the
// length read ahead when bulk).
func (p *pollReader) readFull(b []byte, bulk bool, frame int) error {
	p.afterData = 0
	if bulk {
		p.afterData = afterDataReads
	}
	n := 0
	for n < len(b) && (p.r < p.w || p.advance()) {
		k := copy(b[n:], p.buf[p.r:p.w])
		p.copied.Add(int64(k))
		p.r += k
		n += k
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
		got, err := p.readv(b[n:], bulk, frame)
		if err != nil {
			if n > 0 && err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		n += min(got, len(b)-n)
	}
	return nil
}

// readv reads into dst and, past it, in the same system call where the
// platform has readv (sysReadv): into the (empty) pooled buffer, or for a
// bulk read into read-ahead parts (the next frame's header, and where
// readv takes several buffers (multiReadv) the specFrames frames after it,
// payloads guessed frame bytes long). It returns the bytes read into all.
func (p *pollReader) readv(dst []byte, bulk bool, frame int) (int, error) {
	p.empty()
	p.dst = dst
	var ra *readAhead
	if bulk {
		if p.ra == nil {
			p.ra = new(readAhead)
			p.parts = p.ra.partArr[:0]
		}
		ra = p.ra
		nspec := 0
		switch {
		case p.noAhead > 0:
			p.noAhead--
		case multiReadv:
			nspec = min(specFrames, specBytes/max(frame, 1))
		}
		ra.iovs[0], ra.niov = dst, 1
		for i := range nspec {
			ra.spec[i] = bufpool.Get(frame)
			ra.iovs[ra.niov], ra.iovs[ra.niov+1] = ra.hdrs[i][:], *ra.spec[i]
			ra.niov += 2
		}
		ra.iovs[ra.niov] = ra.hdrs[nspec][:]
		ra.niov++
	} else {
		p.bp = bufpool.Get(p.size)
	}
	p.bulk = bulk
	err := p.rc.Read(p.vfn)
	p.dst = nil
	got := p.n
	switch {
	case err != nil:
	case p.rerr != nil:
		err = os.NewSyscallError("readv", p.rerr)
	case got <= 0:
		err = io.EOF
	}
	if err != nil {
		got = 0
		p.err = err
	}
	extra := got - len(dst)
	if bulk {
		for i := 1; i < ra.niov; i++ {
			k := min(max(extra, 0), len(ra.iovs[i]))
			extra -= k
			var owner *[]byte
			if i%2 == 0 {
				owner = ra.spec[i/2-1]
			}
			if k > 0 {
				p.parts = append(p.parts, part{bp: owner, b: ra.iovs[i][:k]})
			} else {
				bufpool.Put(owner)
			}
		}
		clear(ra.spec[:])
		clear(ra.iovs[:ra.niov])
	} else if extra > 0 {
		p.buf, p.r, p.w = *p.bp, 0, extra
	} else {
		p.empty()
	}
	if err != nil {
		return 0, err
	}
	return got, nil
}

// readvReady is readReady for readv: it reports false to wait again.
func (p *pollReader) readvReady(fd uintptr) bool {
	for {
		var n int
		var errno syscall.Errno
		if p.bulk {
			n, errno = sysReadv(int(fd), p.ra.iovs[:p.ra.niov])
		} else {
			bufs := [2][]byte{p.dst, *p.bp}
			n, errno = sysReadv(int(fd), bufs[:])
		}
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
		p.reads.Add(1)
		return true
	}
}
