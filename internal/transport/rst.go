package transport

import (
	"fmt"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// RST_STREAM, RFC 9113 §6.4 and the stream errors of §5.4.2: "An endpoint
// that detects a stream error sends a RST_STREAM frame". The reader resets
// streams for the peer's errors and refuses streams it will not serve; the
// writer writes the frame. "After sending a RST_STREAM ... the endpoint MUST
// ignore frames that it receives on closed streams" (§5.1): the ids this
// side reset recently are remembered for that.

// noteLocalReset remembers that this side reset stream id, so that frames
// the peer sent before seeing the RST_STREAM are ignored rather than
// answered (RFC 9113 §5.1). The memory is bounded: the oldest id is
// forgotten first.
func (c *Conn) noteLocalReset(id uint32) {
	c.resetMu.Lock()
	if c.resets == nil {
		c.resets = &recentResetSet{ids: make(map[uint32]struct{}, recentResets)}
	}
	r := c.resets
	if old := r.ring[r.next]; old != 0 {
		delete(r.ids, old)
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % recentResets
	r.ids[id] = struct{}{}
	c.resetMu.Unlock()
}

// recentResetSet remembers the last recentResets stream ids this side
// reset, oldest forgotten first.
type recentResetSet struct {
	ids  map[uint32]struct{}
	ring [recentResets]uint32
	next int
}

func (c *Conn) forgetLocalReset(id uint32) {
	c.resetMu.Lock()
	if c.resets != nil {
		delete(c.resets.ids, id)
	}
	c.resetMu.Unlock()
}

func (c *Conn) wasResetByUs(id uint32) bool {
	c.resetMu.Lock()
	defer c.resetMu.Unlock()
	if c.resets == nil {
		return false
	}
	_, ok := c.resets.ids[id]
	return ok
}

// streamError resets stream id with code (RFC 9113 §5.4.2). opening says the
// frame at fault was a HEADERS frame, which counts as opening the stream.
func (c *Conn) streamError(id uint32, code http2.ErrCode, opening bool) error {
	if id == 0 {
		return connError{code, "stream error on stream 0"}
	}
	c.mu.Lock()
	s := c.streams[id]
	if opening && s == nil && c.isServer && id > c.maxPeerStreamID {
		c.maxPeerStreamID = id
	}
	c.mu.Unlock()
	if !c.queuedControl() {
		return flood("RST_STREAMs the peer does not read")
	}
	if s != nil {
		s.state.Or(stReset)
		s.abort(http2.StreamError{StreamID: id, Code: code})
		c.q.push1(writeReq{kind: reqReset, s: s, code: code, ctl: true})
		return nil
	}
	c.noteLocalReset(id)
	c.q.push1(writeReq{kind: reqResetID, streamID: id, code: code, ctl: true})
	return nil
}

// refuseStream answers a stream the peer opened that this side will not
// serve with RST_STREAM(code). The id is noted as reset at once rather than
// when the writer gets to it, so that the DATA the peer sent right behind
// its HEADERS is ignored, not answered with a second RST_STREAM
// (STREAM_CLOSED): RFC 9113 §5.1, "after sending a RST_STREAM ... the
// endpoint MUST ignore frames that it receives on closed streams". Like
// every answer to the peer, it is bounded by queuedControl.
func (c *Conn) refuseStream(id uint32, code http2.ErrCode) error {
	if !c.queuedControl() {
		return flood("RST_STREAMs the peer does not read")
	}
	c.noteLocalReset(id)
	c.q.push1(writeReq{kind: reqResetID, streamID: id, code: code, ctl: true})
	return nil
}

// processRSTStream ends a stream the peer reset.
func (c *Conn) processRSTStream(f *http2.RSTStreamFrame) error {
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, ErrCode: f.ErrCode})
	}
	s, idle := c.lookup(f.StreamID)
	if s == nil {
		if idle {
			// RFC 9113 §6.4: RST_STREAM on an idle stream.
			return connError{http2.ErrCodeProtocol, fmt.Sprintf("RST_STREAM on idle stream %d", f.StreamID)}
		}
		// Both sides reset it: from now on frames on it are the peer's
		// error (RFC 9113 §5.1, "after receiving a RST_STREAM").
		c.forgetLocalReset(f.StreamID)
		return nil
	}
	old := s.state.Or(stReset | stRecvEnd)
	if c.isServer && old&stSentEnd == 0 && !c.floods.resets.take(time.Now()) {
		// CVE-2023-44487: streams opened and reset before they are answered.
		return flood("streams reset by the client before they were answered (rapid reset)")
	}
	err := error(http2.StreamError{StreamID: f.StreamID, Code: f.ErrCode})
	if f.ErrCode == http2.ErrCodeNo && old&stRecvEnd != 0 {
		// The peer completed the stream and tells us to stop sending: the
		// response stays readable; writes end.
		s.mu.Lock()
		if s.sendErr == nil {
			s.setSendErrLocked(ErrStreamDone)
		}
		wake := s.sendWait != nil
		s.mu.Unlock()
		if wake {
			select {
			case s.sendWait <- struct{}{}:
			default:
			}
		}
	} else {
		s.abort(err)
	}
	c.q.push1(writeReq{kind: reqPeerReset, s: s})
	c.removeStream(s)
	return nil
}

// writeReset writes RST_STREAM for s unless the stream never got an id or
// is already closed, drops what it had queued and removes it from the table.
func (w *writer) writeReset(s *Stream, code http2.ErrCode) {
	w.dropQueued(s)
	if !s.opened {
		w.unlist(s)
		s.state.Or(stReset)
		return
	}
	w.unlist(s)
	if !s.rstSent {
		s.rstSent = true
		w.writeRST(s.ID(), code)
	}
	s.state.Or(stReset | stSentEnd | stRecvEnd)
	w.c.removeStream(s)
}

// writeRST writes RST_STREAM and remembers the stream as reset by us.
func (w *writer) writeRST(id uint32, code http2.ErrCode) {
	w.c.noteLocalReset(id)
	if err := w.fr.WriteRSTStream(id, code); err != nil {
		w.fail(err)
		return
	}
	if w.c.observing() {
		w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameRSTStream, 0, id, 4), ErrCode: code})
	}
}

// unlist takes s off the writer's stalled and waiting lists (the ready list
// skips streams with nothing queued on its own).
func (w *writer) unlist(s *Stream) {
	if s.stalled {
		for i, t := range w.stalled {
			if t == s {
				w.stalled = append(w.stalled[:i], w.stalled[i+1:]...)
				break
			}
		}
		s.stalled = false
	}
	if !s.opened {
		w.removeWaiting(s)
	}
}
