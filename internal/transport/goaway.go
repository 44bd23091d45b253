package transport

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// GOAWAY, RFC 9113 §6.8: "The GOAWAY frame is used to initiate shutdown of
// a connection or to signal serious error conditions. GOAWAY allows an
// endpoint to gracefully stop accepting new streams while still finishing
// processing of previously established streams." Every GOAWAY this side
// sends is first marked by markGoAway, so that the streams the peer opens
// above the id it names are refused (headers.go); processGoAway handles
// the peer's.
//
// This side sends GOAWAY on five paths:
//   - fatal (reader) and writer.connError (writer): a connection error,
//     RFC 9113 §5.4.1, then the connection closes;
//   - CloseWithGoAway: a deliberate close (a client's Close), then the
//     connection closes;
//   - GoAway: no more streams, close once the open ones are done (a
//     server's max_idle);
//   - GracefulShutdown: gRPC's two-phase GOAWAY (a server's GracefulStop
//     and max_age).

// goAwayKind says what a GOAWAY this side sends announces.
type goAwayKind uint8

const (
	// goAwayClose names the highest stream the peer has opened; the
	// connection closes right after (errors, CloseWithGoAway).
	goAwayClose goAwayKind = iota
	// goAwayDrain names the highest stream the peer has opened; the
	// connection closes once its last stream has ended.
	goAwayDrain
	// goAwayHeadsUp is a graceful shutdown's first GOAWAY: it names
	// 2^31-1, so that the streams the client has in flight are still
	// accepted (RFC 9113 §6.8: "A server that is attempting to gracefully
	// shut down a connection SHOULD send an initial GOAWAY frame with the
	// last stream identifier set to 2^31-1 and a NO_ERROR code").
	goAwayHeadsUp
)

// markGoAway records that this side is sending a GOAWAY of kind, before it
// is queued: from now on the peer's streams above the id it names are
// refused. It returns that id and whether no stream is open, and ok false
// (marking nothing) when the connection has closed already or, for the
// heads-up of a graceful shutdown, is draining already.
func (c *Conn) markGoAway(kind goAwayKind) (last uint32, empty, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() || (kind == goAwayHeadsUp && c.draining) {
		return 0, false, false
	}
	last = c.maxPeerStreamID
	if kind == goAwayHeadsUp {
		last = maxStreamID
	}
	c.goAwaySent = true
	c.goAwayLastID = last
	if kind == goAwayDrain {
		c.draining = true
	}
	return last, len(c.streams) == 0, true
}

// fatal ends the connection because of a protocol error: it queues GOAWAY
// with code and debug, gives the writer a bounded time to send it, and shuts
// the connection down.
func (c *Conn) fatal(code http2.ErrCode, debug string, err error) {
	last, _, _ := c.markGoAway(goAwayClose)
	r := goAwayRequest(last, code, debug)
	done := make(chan struct{})
	r.goAway.done = done
	if c.q.push1(r) == nil {
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

// connError ends the connection because of an error the writer found in the
// peer's behaviour: GOAWAY with code, then shutdown.
func (w *writer) connError(code http2.ErrCode, debug string, err error) {
	c := w.c
	last, _, _ := c.markGoAway(goAwayClose)
	w.writeGoAway(last, code, []byte(debug))
	c.log.Info("grpcwire: closing connection", "remote", c.nc.RemoteAddr().String(), "code", code.String(), "reason", debug)
	if w.err == nil {
		w.err = err
	}
	c.shutdown(err)
}

// CloseWithGoAway closes the connection at once, as Close does, but tells
// the peer first: GOAWAY with code and debug data, then the close. Streams in
// flight fail. The GOAWAY gets a bounded time to leave.
func (c *Conn) CloseWithGoAway(code http2.ErrCode, debug string) {
	last, _, _ := c.markGoAway(goAwayClose)
	c.nc.SetWriteDeadline(time.Now().Add(goAwayFlushBound))
	r := goAwayRequest(last, code, debug)
	r.goAway.closeAfter = true
	if c.q.push1(r) != nil {
		c.Close()
	}
}

// GoAway tells the peer that no stream will be accepted any more (GOAWAY
// with the last stream id this side has seen) and closes the connection once
// the streams in flight are done, as a client does when it is closed.
func (c *Conn) GoAway(code http2.ErrCode, debug string) {
	last, empty, ok := c.markGoAway(goAwayDrain)
	if !ok {
		return
	}
	c.q.push1(goAwayRequest(last, code, debug))
	if empty {
		c.drained()
	}
}

// GracefulShutdown is a server's graceful close (RFC 9113 §6.8, and gRPC's
// two-phase GOAWAY): a GOAWAY with the largest stream id and a PING tell the
// client to open no more streams while any stream already on its way is
// still accepted; once the PING's ACK shows the client has seen it (or after
// Config.GracefulPingBound), a second GOAWAY carries the real last stream id and streams
// above it are refused. Streams at or below it run to completion; the
// connection closes when the last ends, or at once when ctx ends.
func (c *Conn) GracefulShutdown(ctx context.Context) {
	c.gracefulShutdown(ctx, "")
}

func (c *Conn) gracefulShutdown(ctx context.Context, debug string) {
	last, _, ok := c.markGoAway(goAwayHeadsUp)
	if !ok {
		c.waitDone(ctx)
		return
	}
	c.q.push1(goAwayRequest(last, http2.ErrCodeNo, debug))

	// RFC 9113 §6.8: "After allowing time for any in-flight stream creation
	// (at least one round-trip time), the server MAY send another GOAWAY
	// frame with an updated last stream identifier." The PING's ACK is that
	// round trip.
	pctx, cancel := context.WithTimeout(ctx, c.cfg.GracefulPingBound)
	c.Ping(pctx)
	cancel()

	if last, empty, ok := c.markGoAway(goAwayDrain); ok {
		c.q.push1(goAwayRequest(last, http2.ErrCodeNo, debug))
		if empty {
			c.drained()
		}
	}
	c.waitDone(ctx)
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

// drained ends a connection that is going away once its last stream is done:
// the writer flushes what it has, then closes.
func (c *Conn) drained() {
	c.q.push1(writeReq{kind: reqClose})
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
		c.q.push1(writeReq{kind: reqPeerReset, s: s})
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
