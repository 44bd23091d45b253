package transport

import "grpcwire/wire"

// The stream table and the stream states of RFC 9113 §5.1: idle (an id not
// yet used), open, half-closed (one END_STREAM seen) and closed (both, or a
// reset), when a stream leaves the table.

// isIdle reports whether id names a stream that is still idle: one the peer
// could open but has not (RFC 9113 §5.1), or, for our own ids, one we have
// not opened.
func (c *Conn) isIdleLocked(id uint32) bool {
	peerInitiated := (id%2 == 1) == c.isServer
	if peerInitiated {
		return id > c.maxPeerStreamID
	}
	return id >= c.nextLocalID.Load()
}

// lookup returns the stream with id, or nil, and whether id is idle.
func (c *Conn) lookup(id uint32) (*Stream, bool) {
	c.mu.Lock()
	s := c.streams[id]
	idle := s == nil && c.isIdleLocked(id)
	c.mu.Unlock()
	return s, idle
}

// recvEnded notes the peer's END_STREAM on s.
func (c *Conn) recvEnded(s *Stream) {
	old := s.state.Or(stRecvEnd)
	if old&stSentEnd != 0 {
		c.removeStream(s)
	}
}

// removeStream takes s out of the stream table.
func (c *Conn) removeStream(s *Stream) {
	if s.state.Or(stRemoved)&stRemoved != 0 {
		return
	}
	id := s.ID()
	c.mu.Lock()
	if c.streams[id] == s {
		delete(c.streams, id)
		c.nopen.Store(int32(len(c.streams)))
	}
	kick := c.waitingOpens > 0
	open := len(c.streams)
	idle := open == 0 && (c.draining || (c.goAwayRecv && !c.isServer))
	c.mu.Unlock()
	c.streamsChanged(open)
	if kick {
		c.q.push1(writeReq{kind: reqKick})
	}
	if idle {
		c.drained()
	}
}

// endedLocal notes that s's END_STREAM went out. On a server, a stream the
// client has not half-closed is then reset with NO_ERROR, as RFC 9113 §8.1
// allows and gRPC expects: the response is complete, the client may stop
// sending.
func (w *writer) endedLocal(s *Stream) {
	old := s.state.Or(stSentEnd)
	if old&stRecvEnd == 0 {
		if w.c.isServer && !s.keepOpen() {
			w.writeReset(s, wire.RSTStreamEarlyClose)
		}
		return
	}
	w.c.removeStream(s)
}

func (s *Stream) keepOpen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noRST
}
