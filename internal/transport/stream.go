package transport

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/bufpool"
)

// Stream is one HTTP/2 stream: on a server, a request the peer opened; on a
// client, a request this side opened. Its received bytes are read with Read;
// headers, data and trailers are written with the Write methods, which hand
// them to the connection's writer.
type Stream struct {
	conn *Conn
	id   atomic.Uint32 // a client stream's id is assigned by the writer

	// header holds the request headers (server; set before OnStream) or the
	// response headers (client; set by the reader before headerDone closes).
	header []hpack.HeaderField
	// trailer holds a client stream's trailers, set before its receive side
	// reports io.EOF. For a Trailers-Only response it is the same block as
	// header.
	trailer      []hpack.HeaderField
	headerDone   chan struct{} // client: closed once header is set or the stream failed
	trailersOnly bool          // client: the response headers ended the stream
	gotHeader    bool          // reader-owned: the response headers have arrived

	// state holds stRecvEnd, stSentEnd, stReset and stRemoved bits.
	state atomic.Uint32
	// answer: the stream received DATA or END_STREAM since its last write,
	// so that the next write answers it and may go inline (inline.go).
	answer atomic.Bool

	mu          sync.Mutex
	chunks      []chunk // received bytes, in order; chunks[chunkHead:] are not yet read
	chunkHead   int
	chunkBuf    [1]chunk
	recvErr     error         // io.EOF after END_STREAM, or why the stream failed
	readWait    chan struct{} // made when a reader first has to wait
	recvWindow  int64         // bytes the peer may still send before our WINDOW_UPDATE
	unacked     int64         // bytes read but not yet returned with WINDOW_UPDATE
	queued      atomic.Int64  // bytes handed to the writer and not yet written
	sendWaiting atomic.Bool   // a writer waits on sendWait for quota
	sendErr     error         // why nothing more may be written
	sendClosed  atomic.Bool   // sendErr is set: admit's fast path must not pass
	sendWait    chan struct{}
	onAbort     func()
	aborted     bool
	headerSet   bool // headerDone has been closed

	// headerTooLarge: the request's header list exceeded our
	// MAX_HEADER_LIST_SIZE and header is incomplete (server).
	headerTooLarge bool

	// Reader-owned.
	contentLength int64 // declared content-length, -1 when absent
	dataLen       int64 // DATA payload bytes received

	// Writer-owned.
	sent, incr int64      // send window = peer's initial window + incr - sent
	wq         []writeReq // queued headers and data not yet written, in order
	wqHead     int
	inReady    bool                // in the writer's ready list
	stalled    bool                // in the writer's stalled list (no stream window)
	opened     bool                // its HEADERS went out (client) or came in (server)
	openFields []hpack.HeaderField // a parked client stream's request headers
	openEnd    bool                // ... and whether they end the stream
	rstSent    bool
	noRST      bool // server: END_STREAM is not followed by RST_STREAM(NO_ERROR)
	holdsSlot  bool // server: holds one of the connection's handler slots until Release
}

// Stream states, as bits of Stream.state (RFC 9113 §5.1): a stream whose
// both ends have ended, or which was reset, is closed and leaves the table.
const (
	stRecvEnd uint32 = 1 << iota // the peer sent END_STREAM: half-closed (remote)
	stSentEnd                    // this side wrote END_STREAM: half-closed (local)
	stReset                      // RST_STREAM sent or received
	stRemoved                    // gone from the connection's table
)

// chunk is received DATA not yet read: b is the unread part of *bp.
type chunk struct {
	bp     *[]byte
	b      []byte
	more   bool // the next chunk holds the rest of this one's DATA payload
	shared bool // a buffer of small payloads (appendCopyLocked)
}

func newStream(c *Conn) *Stream {
	s := &Stream{
		conn:          c,
		recvWindow:    int64(c.cfg.InitialWindowSize),
		contentLength: -1,
	}
	s.chunks = s.chunkBuf[:0]
	return s
}

// ID is the stream's id; 0 for a client stream the writer has not opened
// yet.
func (s *Stream) ID() uint32 { return s.id.Load() }

// Conn is the stream's connection.
func (s *Stream) Conn() *Conn { return s.conn }

// Header returns the request headers on a server, or the response headers
// on a client once HeaderDone is closed (nil if the stream failed first).
// The caller must not modify the slice.
func (s *Stream) Header() []hpack.HeaderField { return s.header }

// HeaderDone is closed once a client stream's response headers have arrived
// or the stream has failed.
func (s *Stream) HeaderDone() <-chan struct{} { return s.headerDone }

// Trailer returns a client stream's trailers; they are set once Read has
// returned io.EOF.
func (s *Stream) Trailer() []hpack.HeaderField {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trailer
}

// TrailersOnly reports, once HeaderDone is closed, whether the response was
// Trailers-Only: one HEADERS frame that ended the stream, so that Header
// holds the trailers too.
func (s *Stream) TrailersOnly() bool { return s.trailersOnly }

// HeaderTooLarge reports whether the request's header list exceeded this
// side's SETTINGS_MAX_HEADER_LIST_SIZE, so that Header is incomplete; RFC
// 9113 §10.5.1 suggests answering HTTP 431.
func (s *Stream) HeaderTooLarge() bool { return s.headerTooLarge }

// Err reports why the stream failed, or nil while it has not (a stream that
// ended normally reports nil too).
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recvErr == io.EOF {
		return nil
	}
	return s.recvErr
}

// KeepOpenAfterEnd makes a server stream stay half-closed (local) after its
// END_STREAM instead of being reset with RST_STREAM(NO_ERROR) when the
// client has not finished sending: the client ends it. Plain HTTP answers
// (405, 415, 431) use it; gRPC responses do not. Call it before the write
// that ends the stream.
func (s *Stream) KeepOpenAfterEnd() {
	s.mu.Lock()
	s.noRST = true
	s.mu.Unlock()
}

// RecvEnded reports whether the peer has ended its side of the stream.
func (s *Stream) RecvEnded() bool { return s.state.Load()&stRecvEnd != 0 }

// SetAbortFunc sets fn to be called, once and on another goroutine's behalf,
// when the stream is reset (by either side) or its connection fails, before
// a blocked Read or Write is woken with that error. If that already
// happened, fn is called right away.
func (s *Stream) SetAbortFunc(fn func()) {
	s.mu.Lock()
	if s.aborted {
		s.mu.Unlock()
		fn()
		return
	}
	s.onAbort = fn
	s.mu.Unlock()
}

// Read reads received DATA bytes, from one chunk of them at a time (a
// frame's payload, or small payloads that came in a row). It returns
// io.EOF once the peer has ended the stream and every byte has been read,
// or the error that ended the stream. Bytes read are returned to the peer
// as flow-control credit.
func (s *Stream) Read(p []byte) (int, error) {
	for {
		s.mu.Lock()
		if s.chunkHead < len(s.chunks) {
			// A chunk at a time, the pieces of one frame's payload
			// (connreader_unix.go) as one: how the reader cut a payload
			// changes neither the reads of a message nor the credit they
			// return, which then depend on the frames alone.
			n := 0
			for n < len(p) && s.chunkHead < len(s.chunks) {
				ch := &s.chunks[s.chunkHead]
				k := copy(p[n:], ch.b)
				n += k
				ch.b = ch.b[k:]
				if len(ch.b) > 0 {
					break
				}
				more := ch.more
				bufpool.Put(ch.bp)
				*ch = chunk{}
				s.chunkHead++
				if !more {
					break
				}
			}
			if s.chunkHead == len(s.chunks) {
				s.resetChunksLocked()
			}
			incr := s.consumedLocked(int64(n))
			s.mu.Unlock()
			if incr > 0 {
				s.conn.q.push1(writeReq{kind: reqWindowUpdate, s: s, incr: uint32(incr)})
			}
			return n, nil
		}
		if err := s.recvErr; err != nil {
			s.mu.Unlock()
			return 0, err
		}
		if s.readWait == nil {
			s.readWait = make(chan struct{}, 1)
		}
		wait := s.readWait
		s.mu.Unlock()
		<-wait
	}
}

// deliver appends received bytes (reader goroutine): data in bp, a pooled
// buffer the stream takes over, or, with bp nil, data in the connection's
// read buffer, which deliver copies into the stream's last buffer when it
// has room, else into a new one of at least tailBufSize; then data2 in
// bp2, when not nil (a payload read in two pieces). frameLen is the
// whole DATA payload length, which counts against the window even when
// padding makes data shorter. It reports false when the peer overran the
// stream's window.
func (s *Stream) deliver(bp *[]byte, data []byte, bp2 *[]byte, data2 []byte, frameLen int64, end bool) bool {
	s.mu.Lock()
	if frameLen > s.recvWindow {
		s.mu.Unlock()
		bufpool.Put(bp)
		bufpool.Put(bp2)
		return false
	}
	s.recvWindow -= frameLen
	if s.recvErr != nil {
		// Nobody will read this stream any more: drop the bytes, and if the
		// stream was released (not failed) give the peer its window back so
		// that it can finish sending.
		var incr int64
		if s.recvErr == errReleased {
			incr = s.consumedLocked(frameLen)
		}
		s.mu.Unlock()
		bufpool.Put(bp)
		bufpool.Put(bp2)
		if incr > 0 {
			s.conn.q.push1(writeReq{kind: reqWindowUpdate, s: s, incr: uint32(incr)})
		}
		return true
	}
	if len(data) > 0 {
		if bp == nil {
			s.appendCopyLocked(data)
		} else {
			s.pushChunkLocked(chunk{bp: bp, b: data, more: bp2 != nil})
		}
	} else if bp != nil {
		bufpool.Put(bp)
	}
	if bp2 != nil {
		s.pushChunkLocked(chunk{bp: bp2, b: data2})
	}
	var incr int64
	if pad := frameLen - int64(len(data)+len(data2)); pad > 0 {
		// Padding is consumed the moment it arrives.
		incr = s.consumedLocked(pad)
	}
	if end {
		// The state bit goes first: once a reader sees io.EOF, a writer
		// ending the stream must know that the peer half-closed, or it
		// would reset a stream that is already complete.
		s.state.Or(stRecvEnd)
		s.recvErr = io.EOF
	}
	wait := s.readWait
	s.mu.Unlock()
	if len(data)+len(data2) > 0 || end {
		s.answer.Store(true)
	}
	if incr > 0 {
		s.conn.q.push1(writeReq{kind: reqWindowUpdate, s: s, incr: uint32(incr)})
	}
	if wait != nil {
		select {
		case wait <- struct{}{}:
		default:
		}
	}
	return true
}

// appendCopyLocked copies data after the last unread chunk's bytes when its
// buffer has room, else into a new chunk: small DATA frames share buffers,
// so that what a stream holds is close to the bytes it received however
// the peer cut them into frames (a 1-byte frame does not pin a buffer of
// its own).
func (s *Stream) appendCopyLocked(data []byte) {
	if s.chunkHead < len(s.chunks) {
		// Only into a buffer of small payloads: a large payload's buffer
		// may have room after it too (one the reader read ahead into),
		// but reads of a stream then depend on where the reader's
		// buffers ended, not on the frames alone.
		last := &s.chunks[len(s.chunks)-1]
		if last.shared && cap(last.b)-len(last.b) >= len(data) {
			last.b = append(last.b, data...)
			return
		}
	}
	bp := bufpool.Get(max(len(data), tailBufSize))
	s.pushChunkLocked(chunk{bp: bp, b: append((*bp)[:0], data...), shared: true})
}

// pushChunkLocked appends ch to the chunk list, reusing the room of the
// chunks already read before growing it.
func (s *Stream) pushChunkLocked(ch chunk) {
	if len(s.chunks) == cap(s.chunks) && s.chunkHead > 0 {
		n := copy(s.chunks, s.chunks[s.chunkHead:])
		clear(s.chunks[n:])
		s.chunks, s.chunkHead = s.chunks[:n], 0
	}
	s.chunks = append(s.chunks, ch)
}

// resetChunksLocked empties the chunk list once every chunk has been read,
// keeping its array for the next ones unless a burst made it large: a
// stream that receives many small DATA frames then does not grow the list
// anew after each time its reader catches up.
func (s *Stream) resetChunksLocked() {
	if cap(s.chunks) > maxKeptChunks {
		s.chunks = s.chunkBuf[:0]
	} else {
		clear(s.chunks)
		s.chunks = s.chunks[:0]
	}
	s.chunkHead = 0
}

// dropChunksLocked returns the buffers of every unread chunk to the pool.
func (s *Stream) dropChunksLocked() {
	for i := s.chunkHead; i < len(s.chunks); i++ {
		bufpool.Put(s.chunks[i].bp)
	}
	s.chunks, s.chunkHead = nil, 0
}

func (s *Stream) wakeReader() {
	s.mu.Lock()
	ch := s.readWait
	s.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Release drops received bytes nobody will read, returning their buffers to
// the pool. The upper layer calls it when it is done with the stream.
//
// On a server, Release also ends the stream's claim on a handler slot:
// call it once the handler has returned.
func (s *Stream) Release() {
	s.mu.Lock()
	s.dropChunksLocked()
	if s.recvErr == nil {
		s.recvErr = errReleased
	}
	slot := s.holdsSlot
	s.holdsSlot = false
	s.mu.Unlock()
	if slot {
		<-s.conn.slots
	}
}

// abort ends the stream with err: readers and writers fail with it (readers
// still get io.EOF if the peer had already ended the stream and err only
// says the connection went away after) and the abort function runs.
func (s *Stream) abort(err error) {
	s.mu.Lock()
	if s.aborted {
		s.mu.Unlock()
		return
	}
	s.aborted = true
	if s.recvErr == nil || (s.recvErr == io.EOF && isReset(err)) {
		// A reset discards what was received; a connection failure after the
		// peer's END_STREAM leaves the complete response readable.
		if s.recvErr == io.EOF {
			s.dropChunksLocked()
		}
		s.recvErr = err
	}
	if s.sendErr == nil {
		s.sendErr = err
		s.sendClosed.Store(true)
	}
	fn := s.onAbort
	s.onAbort = nil
	headerWake := !s.headerSet && s.headerDone != nil
	s.headerSet = true
	wake := s.sendWait != nil
	s.mu.Unlock()
	// The abort func (the server call's context cancel) runs before any
	// blocked Read, Write or header wait is woken, so a handler that sees
	// the reset's error finds its context already done.
	if fn != nil {
		fn()
	}
	if headerWake {
		close(s.headerDone)
	}
	s.wakeReader()
	if wake {
		select {
		case s.sendWait <- struct{}{}:
		default:
		}
	}
}

func isReset(err error) bool {
	var se http2.StreamError
	return errors.As(err, &se) && se.Code != http2.ErrCodeNo
}

// setHeader publishes a client stream's response headers (reader goroutine).
func (s *Stream) setHeader(fields []hpack.HeaderField) {
	s.mu.Lock()
	if s.headerSet {
		s.mu.Unlock()
		return
	}
	s.header = fields
	s.headerSet = true
	s.mu.Unlock()
	close(s.headerDone)
}

// Cancel resets the stream with RST_STREAM(code): readers and writers fail
// with ErrStreamCanceled and the abort function runs. Cancel after the
// stream has ended does nothing.
func (s *Stream) Cancel(code http2.ErrCode) {
	for {
		old := s.state.Load()
		if old&(stReset|stRemoved) != 0 || old&(stRecvEnd|stSentEnd) == stRecvEnd|stSentEnd {
			return
		}
		if s.state.CompareAndSwap(old, old|stReset) {
			break
		}
	}
	s.abort(ErrStreamCanceled)
	s.conn.q.push1(writeReq{kind: reqReset, s: s, code: code})
}
