package transport

import (
	"bytes"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/bufpool"
	"grpcwire/observe"
)

// writer is the connection's writing goroutine and the state that whoever
// holds the write lock (Conn.wmu: the writer goroutine, or an inline writer,
// inline.go) owns.
type writer struct {
	c    *Conn
	bw   batchWriter
	fr   *http2.Framer // writes only
	henc *hpack.Encoder
	hbuf bytes.Buffer

	connWindow        int64  // bytes we may still send on the connection
	peerInitWindow    int64  // the peer's SETTINGS_INITIAL_WINDOW_SIZE
	maxFrame          uint32 // the peer's SETTINGS_MAX_FRAME_SIZE
	peerMaxHeaderList uint32 // the peer's SETTINGS_MAX_HEADER_LIST_SIZE; 0 = unlimited

	ready   []*Stream // streams with queued data and send window, round robin
	stalled []*Stream // streams with queued data and no stream window
	waiting []*Stream // client streams waiting for a free slot (MAX_CONCURRENT_STREAMS)
	nextID  uint32    // the next client stream id
	settled bool      // the peer's first SETTINGS have been applied

	err     error                // the write error that ended the writer
	started bool                 // the preface is written: inline writers may write
	hdrBuf  [frameHeaderLen]byte // a DATA frame header being written
}

func (w *writer) init(c *Conn) {
	w.c = c
	w.bw.nc = c.nc
	w.bw.sw = newSocketWriter(c.nc)
	w.bw.size = c.cfg.WriteBufferSize
	w.fr = http2.NewFramer(&w.bw, nil)
	w.henc = hpack.NewEncoder(&w.hbuf)
	w.connWindow = rfcInitialWindowSize
	w.peerInitWindow = rfcInitialWindowSize
	w.maxFrame = rfcMaxFrameSize
	w.nextID = 1
	c.nextLocalID.Store(1)
}

// loop is the writer goroutine: it writes the preface, then, holding the
// write lock, processes queued requests, writes whatever data the windows
// allow, and flushes when there is nothing left to do, before letting the
// lock go and sleeping until something is queued.
func (w *writer) loop() {
	c := w.c
	defer close(c.wdone)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	defer w.drop()
	if err := w.writePreface(); err != nil {
		w.fail(err)
		return
	}
	w.started = true
	for w.drain(nil, true) {
		c.q.trim()
		c.wmu.Unlock()
		c.q.wait()
		c.wmu.Lock()
	}
	if w.err != nil && !c.isServer {
		w.discard()
	}
}

// drain processes queued requests and writes what the windows allow until
// nothing is left, then flushes; the write lock is held. prev is a slice of
// requests the caller has handled, for the queue to reuse. With mayYield, a
// small batch waits for one turn of the scheduler before it is flushed. It
// reports false once the writer must stop: the queue closed or a write
// failed.
func (w *writer) drain(prev []writeReq, mayYield bool) bool {
	yielded := !mayYield
	for {
		items, open := w.c.q.take(prev)
		prev = items
		if !open {
			w.closeDone(items)
			return false
		}
		for i := range items {
			if w.err != nil {
				w.closeDone(items[i:])
				return false
			}
			w.handle(&items[i])
		}
		if w.err != nil {
			return false
		}
		if len(w.ready) > 0 && w.connWindow > 0 {
			w.writeReady()
			continue
		}
		if len(items) > 0 {
			yielded = !mayYield
			continue // look again before flushing: more may have come
		}
		if !yielded && w.bw.buffered() > 0 && w.bw.buffered() < minBatch {
			// A small batch: give the goroutines that are about to queue
			// frames one chance to run first, so that they leave in the
			// same write. One syscall per batch instead of per call is most
			// of what a busy connection costs.
			yielded = true
			runtime.Gosched()
			continue
		}
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
			return false
		}
		return true
	}
}

// fail ends the connection after a write error. A server's ends at once. A
// client's reader first reads what the server had already sent, up to
// writeFailedDrain: a peer that closed with responses on their way (they
// sit in this side's socket buffer) leaves those calls complete, rather
// than failed with the connection, as grpc-go's client does too (its
// writer leaves an I/O error for the reader to find after the data). No
// more streams open on it meanwhile (CanOpen, OpenStream), and the writer
// discards what is queued (discard).
func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	werr := fmt.Errorf("write failed: %w", err)
	c := w.c
	if c.isServer || !w.started {
		c.shutdown(werr)
		return
	}
	c.mu.Lock()
	first := c.writeErr == nil && !c.closed.Load()
	if first {
		c.writeErr = werr
	}
	c.mu.Unlock()
	if first && c.nc.SetReadDeadline(time.Now().Add(writeFailedDrain)) != nil {
		c.shutdown(werr)
	}
}

// discard takes and drops what is queued after a client's write failed,
// until the connection's shutdown closes the queue: streams opened
// meanwhile fail as never sent (closeDone), and nothing waits on a request
// that will not be written. The write lock is held.
func (w *writer) discard() {
	c := w.c
	var prev []writeReq
	for {
		items, open := c.q.take(prev)
		prev = items
		w.closeDone(items)
		if !open {
			return
		}
		c.wmu.Unlock()
		c.q.wait()
		c.wmu.Lock()
	}
}

// closeDone closes the done channels of requests that will never be written,
// so that nobody waits for them, and fails the streams whose opening was
// still queued: nobody else would ever end them.
func (w *writer) closeDone(items []writeReq) {
	for i := range items {
		r := &items[i]
		if r.goAway != nil && r.goAway.done != nil {
			close(r.goAway.done)
		}
		if r.kind == reqOpen {
			w.abortUnopened(r.s)
		}
		bufpool.Put(r.buf)
	}
}

// abortUnopened fails a client stream that never got its id because the
// connection ended first. Its HEADERS never left, so the peer cannot have
// processed it: the error matches ErrUnprocessed and the call may be sent
// again on another connection.
func (w *writer) abortUnopened(s *Stream) {
	err := w.c.Err()
	if err == nil {
		err = errClosedLocally
	}
	s.abort(fmt.Errorf("%w: %w", ErrUnprocessed, &ConnError{Err: err}))
}

// drop releases what the writer still holds when it exits.
func (w *writer) drop() {
	for {
		items, _ := w.c.q.take(nil)
		if len(items) == 0 {
			break
		}
		w.closeDone(items)
	}
	for _, list := range [][]*Stream{w.ready, w.stalled, w.waiting} {
		for _, s := range list {
			w.dropQueued(s)
		}
	}
	for _, s := range w.waiting {
		w.abortUnopened(s)
	}
	w.bw.release()
}

// handle processes one request.
func (w *writer) handle(r *writeReq) {
	if r.ctl {
		w.c.pendingControl.Add(-1)
	}
	switch r.kind {
	case reqHeaders:
		s := r.s
		if s.state.Load()&stReset != 0 {
			return
		}
		if !s.opened || w.queuedLen(s) > 0 {
			w.enqueue(s, r)
			if s.opened {
				w.schedule(s)
			}
			return
		}
		w.writeStreamHeaders(s, r.fields, r.endStream)
	case reqOpen:
		w.open(r.s, r.fields, r.endStream)
	case reqData:
		s := r.s
		if s.state.Load()&stReset != 0 {
			s.release(len(r.data))
			bufpool.Put(r.buf)
			return
		}
		if s.opened && w.queuedLen(s) == 0 && w.writeNow(s, r) {
			return
		}
		w.enqueue(s, r)
		if s.opened && !s.inReady && !s.stalled {
			w.schedule(s)
		}
	case reqReset:
		w.writeReset(r.s, r.code)
	case reqResetID:
		w.writeRST(r.streamID, r.code)
	case reqPeerReset:
		w.dropQueued(r.s)
		w.unlist(r.s)
	case reqWindowUpdate:
		var id uint32
		if r.s != nil {
			id = r.s.ID()
			if id == 0 || r.s.state.Load()&(stRecvEnd|stReset) != 0 {
				return // nothing more will arrive on it
			}
		}
		if err := w.writeWindowUpdate(id, r.incr); err != nil {
			w.fail(err)
		}
	case reqPeerWindow:
		w.peerWindow(r.s, r.incr)
	case reqPeerSettings:
		w.peerSettings(r.settings)
	case reqPing:
		if err := w.fr.WritePing(r.pingAck, r.ping); err != nil {
			w.fail(err)
			return
		}
		if w.c.observing() {
			var fl http2.Flags
			if r.pingAck {
				fl = http2.FlagPingAck
			}
			w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FramePing, fl, 0, 8), Ping: r.ping})
		}
	case reqGoAway:
		g := r.goAway
		if err := w.writeGoAway(g.lastStreamID, r.code, g.debug); err != nil {
			w.fail(err)
		}
		if g.done != nil {
			close(g.done)
		}
		if g.closeAfter {
			// GOAWAY then close: the connection is being closed on purpose.
			w.c.shutdown(errClosedLocally)
		}
	case reqKick:
		w.openWaiting()
	case reqClose:
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
			return
		}
		w.c.shutdown(errDrained)
	}
}
