package transport

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// OpenStream starts a client stream: it queues the request headers and, if
// data is not nil, one chunk of DATA (buf, if not nil, is its pooled buffer);
// end sets END_STREAM on the last frame. The writer gives the stream its id
// when the peer's MAX_CONCURRENT_STREAMS allows, so OpenStream never blocks
// on it. It fails with an error matching ErrUnprocessed once the connection
// is going away or closed: the call may be retried on another connection.
func (c *Conn) OpenStream(hdr []hpack.HeaderField, data []byte, buf *[]byte, end bool) (*Stream, error) {
	c.mu.Lock()
	gone := c.goAwayRecv || c.closed.Load()
	c.mu.Unlock()
	if gone {
		return nil, fmt.Errorf("%w: the connection is going away", ErrUnprocessed)
	}
	s := newStream(c)
	s.headerDone = make(chan struct{})
	s.queued.Store(int64(len(data)))
	if end {
		s.sendErr = ErrStreamDone
	}
	var err error
	if data == nil {
		err = c.q.push1(writeReq{kind: reqOpen, s: s, fields: hdr, end: end})
	} else {
		err = c.q.pushN(
			writeReq{kind: reqOpen, s: s, fields: hdr},
			writeReq{kind: reqData, s: s, data: data, buf: buf, end: end},
		)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the connection is closed", ErrUnprocessed)
	}
	return s, nil
}

// CanOpen reports whether new streams may still start on the connection.
func (c *Conn) CanOpen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.goAwayRecv && !c.closed.Load() && !c.draining
}

// Ping sends a PING and waits for its ACK or ctx's end.
func (c *Conn) Ping(ctx context.Context) error {
	var data [8]byte
	rand.Read(data[:])
	ch := make(chan struct{})
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return &ConnError{Err: errClosedLocally}
	}
	if c.pingWaiters == nil {
		c.pingWaiters = make(map[[8]byte]chan struct{})
	}
	c.pingWaiters[data] = ch
	c.mu.Unlock()
	if err := c.q.push1(writeReq{kind: reqPing, ping: data}); err != nil {
		return &ConnError{Err: err}
	}
	select {
	case <-ch:
		if c.closed.Load() {
			return &ConnError{Err: c.Err()}
		}
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pingWaiters, data)
		c.mu.Unlock()
		return ctx.Err()
	}
}

// GracefulShutdown is a server's graceful close (RFC 9113 §6.8, and gRPC's
// two-phase GOAWAY): a GOAWAY with the largest stream id and a PING tell the
// client to open no more streams while any stream already on its way is
// still accepted; once the PING's ACK shows the client has seen it (or after
// pingBound), a second GOAWAY carries the real last stream id and streams
// above it are refused. Streams at or below it run to completion; the
// connection closes when the last ends, or at once when ctx ends.
func (c *Conn) GracefulShutdown(ctx context.Context, pingBound time.Duration) {
	c.gracefulShutdown(ctx, pingBound, "")
}

func (c *Conn) gracefulShutdown(ctx context.Context, pingBound time.Duration, debug string) {
	c.mu.Lock()
	if c.closed.Load() || c.draining {
		c.mu.Unlock()
		c.waitDone(ctx)
		return
	}
	c.goAwaySent = true
	c.goAwayLastID = maxStreamID
	c.mu.Unlock()
	c.q.push1(writeReq{kind: reqGoAway, n: maxStreamID, code: http2.ErrCodeNo, debug: []byte(debug)})

	pctx, cancel := context.WithTimeout(ctx, pingBound)
	c.Ping(pctx)
	cancel()

	c.mu.Lock()
	last := c.maxPeerStreamID
	c.goAwayLastID = last
	c.draining = true
	empty := len(c.streams) == 0
	c.mu.Unlock()
	c.q.push1(writeReq{kind: reqGoAway, n: last, code: http2.ErrCodeNo, debug: []byte(debug)})
	if empty {
		c.drained()
	}
	c.waitDone(ctx)
}

// GoAway tells the peer that no stream will be accepted any more (GOAWAY
// with the last stream id this side has seen) and closes the connection once
// the streams in flight are done, as a client does when it is closed.
func (c *Conn) GoAway(code http2.ErrCode, debug string) {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return
	}
	last := c.maxPeerStreamID
	c.goAwaySent = true
	c.goAwayLastID = last
	c.draining = true
	empty := len(c.streams) == 0
	c.mu.Unlock()
	c.q.push1(writeReq{kind: reqGoAway, n: last, code: code, debug: []byte(debug)})
	if empty {
		c.drained()
	}
}

// CloseWithGoAway closes the connection at once, as Close does, but tells
// the peer first: GOAWAY with code and debug data, then the close. Streams in
// flight fail. The GOAWAY gets a bounded time to leave.
func (c *Conn) CloseWithGoAway(code http2.ErrCode, debug string) {
	last := c.markGoAway()
	c.nc.SetWriteDeadline(time.Now().Add(goAwayFlushBound))
	if c.q.push1(writeReq{kind: reqGoAway, n: last, code: code, debug: []byte(debug), end: true}) != nil {
		c.Close()
	}
}

// waitDone waits for the connection to end, closing it when ctx ends first.
func (c *Conn) waitDone(ctx context.Context) {
	select {
	case <-c.done:
	case <-ctx.Done():
		c.Close()
		<-c.wdone
	}
}
