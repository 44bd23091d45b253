package transport

import (
	"context"
	"fmt"
	"grpcwire/observe"
	"time"

	"golang.org/x/net/http2"
)

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

// fatal ends the connection because of a protocol error: it queues GOAWAY
// with code and debug, gives the writer a bounded time to send it, and shuts
// the connection down.
func (c *Conn) fatal(code http2.ErrCode, debug string, err error) {
	last := c.markGoAway()
	done := make(chan struct{})
	if c.q.push1(writeReq{kind: reqGoAway, n: last, code: code, debug: []byte(debug), done: done}) == nil {
		t := time.NewTimer(goAwayFlushBound)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
	c.log.Info("grpcwire: closing connection", "remote", c.nc.RemoteAddr().String(), "code", code.String(), "reason", debug)
	c.shutdown(err)
}

// markGoAway notes that this side is sending GOAWAY with the highest
// stream id the peer has opened, so that later streams are refused, and
// returns that id.
func (c *Conn) markGoAway() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.goAwaySent = true
	c.goAwayLastID = c.maxPeerStreamID
	return c.goAwayLastID
}

// processGoAway notes that the peer will process no stream above
// LastStreamID: on a client, those streams fail as unprocessed (safe to
// retry) and no new stream starts here.
func (c *Conn) processGoAway(f *http2.GoAwayFrame) error {
	debug := append([]byte(nil), f.DebugData()...)
	if c.observing() {
		c.observe(&observe.FrameEvent{Header: f.FrameHeader, LastStreamID: f.LastStreamID, ErrCode: f.ErrCode, DebugData: debug})
	}
	c.mu.Lock()
	c.goAwayRecv = true
	c.peerGoAwayID = f.LastStreamID
	var refused []*Stream
	if !c.isServer {
		for id, s := range c.streams {
			if id > f.LastStreamID {
				refused = append(refused, s)
			}
		}
	}
	empty := len(c.streams) == 0
	c.mu.Unlock()
	gerr := http2.GoAwayError{LastStreamID: f.LastStreamID, ErrCode: f.ErrCode, DebugData: string(debug)}
	for _, s := range refused {
		s.state.Or(stReset)
		s.abort(fmt.Errorf("%w: %w", ErrUnprocessed, gerr))
		c.q.push1(writeReq{kind: reqRST, s: s, code: http2.ErrCodeCancel, ack: true})
		c.removeStream(s)
	}
	if c.cfg.OnGoAway != nil {
		c.cfg.OnGoAway(f.LastStreamID, f.ErrCode, debug)
	}
	if f.ErrCode != http2.ErrCodeNo {
		c.log.Info("grpcwire: peer sent GOAWAY", "remote", c.nc.RemoteAddr().String(), "code", f.ErrCode.String(), "debug", string(debug))
	}
	if !c.isServer && empty {
		c.drained()
	}
	return nil
}

// drained ends a connection that is going away once its last stream is done:
// the writer flushes what it has, then closes.
func (c *Conn) drained() {
	c.q.push1(writeReq{kind: reqClose})
}

// connError ends the connection because of an error the writer found in the
// peer's behaviour: GOAWAY with code, then shutdown.
func (w *writer) connError(code http2.ErrCode, debug string, err error) {
	c := w.c
	w.writeGoAway(c.markGoAway(), code, []byte(debug))
	c.log.Info("grpcwire: closing connection", "remote", c.nc.RemoteAddr().String(), "code", code.String(), "reason", debug)
	if w.err == nil {
		w.err = err
	}
	c.shutdown(err)
}

// writeGoAway writes GOAWAY and flushes at once: the peer should learn of
// it before anything else happens to the connection.
func (w *writer) writeGoAway(last uint32, code http2.ErrCode, debug []byte) error {
	if err := w.fr.WriteGoAway(last, code, debug); err != nil {
		return err
	}
	if w.c.observing() {
		w.c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameGoAway, 0, 0, uint32(8+len(debug))), LastStreamID: last, ErrCode: code, DebugData: debug})
	}
	return w.bw.Flush()
}
