package transport

import (
	"fmt"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Opening client streams, RFC 9113 §5.1.1: "Streams initiated by a client
// MUST use odd-numbered stream identifiers", in increasing order. Only the
// writer assigns ids, in the order it writes the streams' HEADERS, so that
// they are always increasing on the wire; a stream waits (the writer's
// waiting list) while the server's SETTINGS_MAX_CONCURRENT_STREAMS is
// reached or its SETTINGS have not arrived.

// OpenStream starts a client stream: it queues the request headers and, if
// data is not nil, one chunk of DATA (buf, if not nil, is its pooled buffer);
// end sets END_STREAM on the last frame. The writer gives the stream its id
// when the peer's MAX_CONCURRENT_STREAMS allows, so OpenStream never blocks
// on it. It fails with an error matching ErrUnprocessed once the connection
// is going away, closed or unable to write (writer.fail): the call may be
// retried on another connection.
func (c *Conn) OpenStream(hdr []hpack.HeaderField, data []byte, buf *[]byte, end bool) (*Stream, error) {
	c.mu.Lock()
	gone := c.goAwayRecv || c.closed.Load() || c.writeErr != nil
	c.mu.Unlock()
	if gone {
		return nil, fmt.Errorf("%w: the connection is going away", ErrUnprocessed)
	}
	s := newStream(c)
	s.headerDone = make(chan struct{})
	s.queued.Store(int64(len(data)))
	if end {
		s.setSendErrLocked(ErrStreamDone)
	}
	reqs := [2]writeReq{{kind: reqOpen, s: s, fields: hdr, endStream: end && data == nil}}
	n := 1
	if data != nil {
		reqs[1] = writeReq{kind: reqData, s: s, data: data, buf: buf, endStream: end}
		n = 2
	}
	if end && len(data) <= maxInlineData && c.nopen.Load() == 0 && c.writeInline(reqs[:n]) {
		// A call that sends everything at once, on an otherwise idle
		// connection: its frames leave now (inline.go).
		return s, nil
	}
	if err := c.q.pushN(reqs[:n]...); err != nil {
		return nil, fmt.Errorf("%w: the connection is closed", ErrUnprocessed)
	}
	return s, nil
}

// CanOpen reports whether new streams may still start on the connection.
func (c *Conn) CanOpen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.goAwayRecv && !c.closed.Load() && !c.draining && c.writeErr == nil
}

// open gives a client stream its id and writes its request headers, or
// parks it until the peer's MAX_CONCURRENT_STREAMS allows it.
func (w *writer) open(s *Stream, fields []hpack.HeaderField, end bool) {
	if s.state.Load()&stReset != 0 {
		return
	}
	c := w.c
	c.mu.Lock()
	if c.goAwayRecv || w.nextID > maxStreamID || c.closed.Load() {
		// A stream opened on a connection that has ended (shutdown aborted
		// the streams it knew) or is going away was never sent.
		c.mu.Unlock()
		s.abort(fmt.Errorf("%w: the connection is going away", ErrUnprocessed))
		return
	}
	if !w.settled || uint32(len(c.streams)) >= c.peerMaxStreams {
		// Before the server's SETTINGS arrive its MAX_CONCURRENT_STREAMS is
		// unknown: streams wait for it rather than risk REFUSED_STREAM.
		c.waitingOpens++
		c.mu.Unlock()
		s.openFields, s.openEnd = fields, end
		w.waiting = append(w.waiting, s)
		return
	}
	id := w.nextID
	w.nextID += 2
	c.nextLocalID.Store(w.nextID)
	s.id.Store(id)
	c.streams[id] = s
	c.nopen.Store(int32(len(c.streams)))
	c.mu.Unlock()
	s.opened = true
	if err := w.writeHeaders(id, fields, end); err != nil {
		if isLocalHeaderError(err) {
			s.abort(err)
			w.writeReset(s, http2.ErrCodeCancel)
			return
		}
		w.fail(err)
		return
	}
	if end {
		w.endedLocal(s)
	}
	w.schedule(s)
}

// openWaiting opens parked client streams while the peer's limit allows.
func (w *writer) openWaiting() {
	for len(w.waiting) > 0 {
		c := w.c
		c.mu.Lock()
		full := (!w.settled || uint32(len(c.streams)) >= c.peerMaxStreams) && !c.goAwayRecv
		c.mu.Unlock()
		if full {
			return
		}
		s := w.waiting[0]
		w.waiting = w.waiting[1:]
		c.mu.Lock()
		c.waitingOpens--
		c.mu.Unlock()
		fields, end := s.openFields, s.openEnd
		s.openFields = nil
		w.open(s, fields, end)
	}
}

func (w *writer) removeWaiting(s *Stream) {
	for i, t := range w.waiting {
		if t == s {
			w.waiting = append(w.waiting[:i], w.waiting[i+1:]...)
			w.c.mu.Lock()
			w.c.waitingOpens--
			w.c.mu.Unlock()
			return
		}
	}
}
