package transport

import (
	"fmt"

	"golang.org/x/net/http2"

	"grpcwire/internal/bufpool"
	"grpcwire/observe"
)

// Flow control, RFC 9113 §5.2 and §6.9, both ways, and the writer's send
// scheduler. Receiving: the connection window is credited as DATA arrives
// (creditConn) and each stream's as the application reads (consumedLocked;
// Stream.Read), with a WINDOW_UPDATE once a quarter of a window is used.
// Sending: the writer owns the connection and stream send windows, applies
// the peer's WINDOW_UPDATEs (peerWindow) and writes queued DATA round robin
// over the streams that have window (schedule, writeReady, writeStream);
// streams without window wait in the stalled list. Above the windows, a
// per-stream send quota (admit, release) blocks a writer whose peer stops
// reading instead of buffering without bound.

// creditConn counts n received bytes against the connection window and
// returns them with a WINDOW_UPDATE once a quarter of the window is used.
// Connection credit is returned on receipt: each stream's own window is
// what bounds the memory a slow reader can pin.
func (c *Conn) creditConn(n int64) {
	c.recvUnacked += n
	if c.recvUnacked < int64(c.cfg.ConnWindowSize)/creditFraction {
		return
	}
	incr := c.recvUnacked
	c.recvUnacked = 0
	c.recvWindow += incr
	c.q.push1(writeReq{kind: reqWindowUpdate, incr: uint32(incr)})
}

// processWindowUpdate hands the peer's credit to the writer.
func (c *Conn) processWindowUpdate(f *http2.WindowUpdateFrame) error {
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, Increment: f.Increment})
	}
	if f.StreamID == 0 {
		return c.q.push1(writeReq{kind: reqPeerWindow, incr: f.Increment})
	}
	s, idle := c.lookup(f.StreamID)
	if s == nil {
		if idle {
			// RFC 9113 §5.1: WINDOW_UPDATE on an idle stream.
			return connError{http2.ErrCodeProtocol, fmt.Sprintf("WINDOW_UPDATE on idle stream %d", f.StreamID)}
		}
		return nil // closed: RFC 9113 §6.9 says to ignore
	}
	return c.q.push1(writeReq{kind: reqPeerWindow, s: s, incr: f.Increment})
}

// consumedLocked notes n more bytes consumed and returns the WINDOW_UPDATE
// increment to send, if the consumed bytes reached a quarter of the window
// (fewer, larger updates; the peer never stalls before a quarter is free).
func (s *Stream) consumedLocked(n int64) int64 {
	s.unacked += n
	if (s.recvErr != nil && s.recvErr != errReleased) || s.unacked < int64(s.conn.cfg.InitialWindowSize)/creditFraction {
		return 0
	}
	incr := s.unacked
	s.unacked = 0
	s.recvWindow += incr
	return incr
}

// admit takes n bytes of send quota, waiting while the stream already has
// SendQuota bytes queued (one write may overshoot the quota, so a message
// larger than the quota is never stuck), and with end marks the send side
// as ended so that later writes fail. This runs for every message: while
// quota is left it takes no lock, and otherwise one critical section does
// both.
func (s *Stream) admit(n int, end bool) error {
	quota := int64(s.conn.cfg.SendQuota)
	if !end && !s.sendClosed.Load() && (n == 0 || s.queued.Load() < quota) {
		// The fast path of a stream with quota left, taken for every
		// message but the last: no lock. A reset racing with it is caught
		// by the writer, which drops what a reset stream queued.
		s.queued.Add(int64(n))
		return nil
	}
	s.mu.Lock()
	for n > 0 && s.queued.Load() >= quota && s.sendErr == nil {
		if s.sendWait == nil {
			s.sendWait = make(chan struct{}, 1)
		}
		s.sendWaiting.Store(true)
		if s.queued.Load() < quota {
			break // the writer released some meanwhile
		}
		ch := s.sendWait
		s.mu.Unlock()
		<-ch
		s.mu.Lock()
	}
	if err := s.sendErr; err != nil {
		s.mu.Unlock()
		return err
	}
	if end {
		s.setSendErrLocked(ErrStreamDone)
	}
	s.queued.Add(int64(n))
	s.mu.Unlock()
	return nil
}

// setSendErrLocked records why nothing more may be written on s.
func (s *Stream) setSendErrLocked(err error) {
	s.sendErr = err
	s.sendClosed.Store(true)
}

// release gives back n bytes of send quota (writer goroutine). It takes no
// lock unless a writer of the stream waits for quota.
func (s *Stream) release(n int) {
	if n == 0 {
		return
	}
	if s.queued.Add(-int64(n)) < int64(s.conn.cfg.SendQuota) && s.sendWaiting.Load() {
		s.sendWaiting.Store(false)
		// sendWait was made before sendWaiting was set.
		select {
		case s.sendWait <- struct{}{}:
		default:
		}
	}
}

// writeNow writes a DATA request of at most one frame at once, when the
// windows allow it all: the common case of a small message, which then needs
// no trip through the stream's queue. It reports whether it wrote it.
func (w *writer) writeNow(s *Stream, r *writeReq) bool {
	n := int64(len(r.data))
	if n > int64(w.maxFrame) || n > w.window(s) || n > w.connWindow {
		return false
	}
	w.writeData(s, r.data, r.endStream)
	s.sent += n
	w.connWindow -= n
	s.release(int(n))
	w.bw.hold(r.buf)
	if r.endStream {
		w.endedLocal(s)
	}
	return true
}

// queuedLen is how many requests wait in s's queue.
func (w *writer) queuedLen(s *Stream) int { return len(s.wq) - s.wqHead }

func (w *writer) enqueue(s *Stream, r *writeReq) {
	if s.wqHead > 0 && s.wqHead == len(s.wq) {
		clear(s.wq)
		s.wq = s.wq[:0]
		s.wqHead = 0
	}
	s.wq = append(s.wq, *r)
}

// window is what s may still send, by its own window.
func (w *writer) window(s *Stream) int64 { return w.peerInitWindow + s.incr - s.sent }

// schedule puts s in the ready list if it has stream window, else in the
// stalled list until a WINDOW_UPDATE or SETTINGS makes room.
func (w *writer) schedule(s *Stream) {
	if w.queuedLen(s) == 0 || s.inReady || s.stalled {
		return
	}
	if w.window(s) > 0 || w.headOfQueueIsFree(s) {
		s.inReady = true
		w.ready = append(w.ready, s)
	} else {
		s.stalled = true
		w.stalled = append(w.stalled, s)
	}
}

// headOfQueueIsFree reports whether s's next request needs no window:
// headers, or an empty DATA frame.
func (w *writer) headOfQueueIsFree(s *Stream) bool {
	r := &s.wq[s.wqHead]
	return r.kind == reqHeaders || len(r.data) == 0
}

// writeReady writes DATA for the ready streams in turn, one frame each per
// round, until the connection window or a budget runs out; then the loop
// looks at the queue again, so control frames are never stuck behind bulk
// data.
func (w *writer) writeReady() {
	budget := max(roundFrames*int64(w.maxFrame), minRoundBytes)
	for len(w.ready) > 0 && budget > 0 && w.err == nil {
		s := w.ready[0]
		copy(w.ready, w.ready[1:])
		w.ready[len(w.ready)-1] = nil
		w.ready = w.ready[:len(w.ready)-1]
		s.inReady = false
		if w.connWindow <= 0 && !w.headOfQueueIsFree(s) {
			// Keep it for when the connection window opens.
			s.inReady = true
			w.ready = append(w.ready, s)
			return
		}
		budget -= w.writeStream(s)
		w.schedule(s)
	}
}

// writeStream writes s's queued requests in order: headers freely, DATA as
// far as one frame and the windows allow. It returns the DATA bytes written.
func (w *writer) writeStream(s *Stream) int64 {
	if s.state.Load()&stReset != 0 {
		w.dropQueued(s)
		return 0
	}
	var written int64
	for w.queuedLen(s) > 0 && w.err == nil {
		r := &s.wq[s.wqHead]
		if r.kind == reqHeaders {
			fields, end := r.fields, r.endStream
			*r = writeReq{}
			s.wqHead++
			w.writeStreamHeaders(s, fields, end)
			continue
		}
		// DATA.
		if len(r.data) == 0 {
			if r.endStream {
				w.writeData(s, nil, true)
			}
			bufpool.Put(r.buf)
			end := r.endStream
			*r = writeReq{}
			s.wqHead++
			if end {
				w.endedLocal(s)
			}
			continue
		}
		if written > 0 {
			return written // one frame per stream per round
		}
		n := int64(len(r.data))
		n = min(n, w.window(s), w.connWindow, int64(w.maxFrame))
		if n <= 0 {
			return written
		}
		end := r.endStream && n == int64(len(r.data))
		w.writeData(s, r.data[:n], end)
		r.data = r.data[n:]
		s.sent += n
		w.connWindow -= n
		written += n
		s.release(int(n))
		if len(r.data) == 0 {
			w.bw.hold(r.buf)
			*r = writeReq{}
			s.wqHead++
			if end {
				w.endedLocal(s)
			}
		}
	}
	return written
}

// dropQueued discards s's queued requests, giving back their quota.
func (w *writer) dropQueued(s *Stream) {
	for i := s.wqHead; i < len(s.wq); i++ {
		r := &s.wq[i]
		if r.kind == reqData {
			s.release(len(r.data))
			w.bw.hold(r.buf) // frames of it may be in the batch
		}
		*r = writeReq{}
	}
	s.wq = s.wq[:0]
	s.wqHead = 0
}

func (w *writer) writeWindowUpdate(id, incr uint32) error {
	if err := w.fr.WriteWindowUpdate(id, incr); err != nil {
		return err
	}
	if w.c.observing() {
		w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameWindowUpdate, 0, id, 4), Increment: incr})
	}
	return nil
}

// peerWindow applies a WINDOW_UPDATE from the peer.
func (w *writer) peerWindow(s *Stream, n uint32) {
	if s == nil {
		w.connWindow += int64(n)
		if w.connWindow > maxWindow {
			// RFC 9113 §6.9.1: a connection error of type FLOW_CONTROL_ERROR.
			w.connError(http2.ErrCodeFlowControl, "WINDOW_UPDATE made the connection window exceed 2^31-1", errFlowControl)
		}
		return
	}
	if s.state.Load()&stReset != 0 {
		return
	}
	s.incr += int64(n)
	if w.window(s) > maxWindow {
		// RFC 9113 §6.9.1: a stream error of type FLOW_CONTROL_ERROR.
		s.state.Or(stReset)
		s.abort(http2.StreamError{StreamID: s.ID(), Code: http2.ErrCodeFlowControl})
		w.writeReset(s, http2.ErrCodeFlowControl)
		return
	}
	w.unstall(s)
}

// unstall moves s from the stalled to the ready list if it can send.
func (w *writer) unstall(s *Stream) {
	if !s.stalled || w.window(s) <= 0 {
		return
	}
	for i, t := range w.stalled {
		if t == s {
			w.stalled = append(w.stalled[:i], w.stalled[i+1:]...)
			break
		}
	}
	s.stalled = false
	w.schedule(s)
}
