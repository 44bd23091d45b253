package client

import (
	"context"

	"google.golang.org/protobuf/proto"

	"grpcwire/internal/bufpool"
	"grpcwire/internal/transport"
)

// Transparent retry: a call the server never processed is sent again, once,
// on another connection, without the application seeing it. PROTOCOL-HTTP2.md
// says of REFUSED_STREAM that it "Indicates that no processing occurred and
// the request can be retried, possibly elsewhere", and of GOAWAY that streams
// above its last stream id were not processed; the transport marks both
// (transport.IsUnprocessed), and so a stream that never left because its
// connection ended first. gRPC's retry design (gRFC A6) calls this a
// transparent retry and allows one per call; so does grpc-go, which this
// follows where the spec is silent.
//
// A call is retried at three moments, one function each below: a unary
// call whose one response never came (invoke), a call whose stream could not
// be opened (open), and a streaming call whose stream was refused while its
// application was sending or waiting for the response headers
// (retryUnprocessed, from SendMsg, CloseSend and readHeader). A streaming
// call can be sent again only with what it sent so far: replayBuf keeps it,
// up to maxReplay bytes, until the response headers arrive.

// replayBuf keeps copies of the messages a streaming call sent, so that the
// call can be sent again on another connection if the server never
// processed it (GOAWAY above its stream, REFUSED_STREAM). It is dropped when
// the response headers arrive, and once it would exceed maxReplay bytes.
type replayBuf struct {
	msgs   [][]byte
	size   int
	closed bool // CloseSend was called
}

// maxReplay bounds the bytes a streaming call keeps for a transparent retry.
const maxReplay = 64 << 10

// add keeps a copy of one framed message; it reports false, and the caller
// drops the buffer, when the bound is passed.
func (r *replayBuf) add(data []byte) bool {
	if r.size+len(data) > maxReplay {
		return false
	}
	r.size += len(data)
	r.msgs = append(r.msgs, append([]byte(nil), data...))
	return true
}

// invoke is a unary call: start, then RecvMsg, sent again once when the
// server never processed it (GOAWAY above it, or REFUSED_STREAM).
func (c *Conn) invoke(ctx context.Context, method string, req, res proto.Message, opts ...CallOption) error {
	ctx, cancel := c.methodContext(ctx, method)
	if cancel != nil {
		defer cancel()
	}
	for attempt := 0; ; attempt++ {
		cs, err := c.start(ctx, &unaryDesc, method, req, opts)
		if err != nil {
			return err
		}
		err = cs.RecvMsg(res)
		if err != nil && attempt == 0 && cs.unprocessed() {
			continue
		}
		return err
	}
}

// unprocessed reports whether the call failed without reaching the server.
func (cs *Stream) unprocessed() bool {
	return cs.recvN == 0 && transport.IsUnprocessed(cs.ts.Err())
}

// open opens the call's stream on a connection; with req set it also sends
// req and half-closes, in the same hand-off to the connection's writer. A
// connection that turns out to be going away gets the call again on another,
// once.
func (cs *Stream) open(req proto.Message) error {
	for attempt := 0; ; attempt++ {
		tc := cs.pinned
		var err error
		if tc == nil {
			if tc, err = cs.cc.transport(cs.ctx, cs.co.waitForReady); err != nil {
				return err
			}
		}
		var data []byte
		var bp *[]byte
		if req != nil {
			if data, bp, err = cs.marshal(req); err != nil {
				return err
			}
		}
		ts, err := tc.OpenStream(cs.fields, data, bp, req != nil)
		if err != nil {
			bufpool.Put(bp)
			if transport.IsUnprocessed(err) && attempt == 0 && cs.pinned == nil {
				continue
			}
			return failed(joinTransport(err), "grpcwire: %v", err)
		}
		cs.ts = ts
		return nil
	}
}

// retryUnprocessed sends the call again when its stream ts ended without
// response headers because the server never processed it; it reports
// whether the call goes on, on a new stream.
func (cs *Stream) retryUnprocessed(ts *transport.Stream) bool {
	if ts.Header() != nil || !transport.IsUnprocessed(ts.Err()) {
		return false
	}
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	return cs.retryLocked(ts)
}

// retryLocked sends the call again on another connection after the server
// refused old without processing it, replaying what was sent. The caller
// holds sendMu. It reports whether the call goes on (also when another
// goroutine already retried it).
func (cs *Stream) retryLocked(old *transport.Stream) bool {
	cs.hmu.Lock()
	current := cs.ts
	cs.hmu.Unlock()
	if current != old {
		return true
	}
	if cs.replay == nil || cs.headerSeen.Load() || cs.pinned != nil {
		return false
	}
	tc, err := cs.cc.transport(cs.ctx, cs.co.waitForReady)
	if err != nil {
		return false
	}
	ts, err := tc.OpenStream(cs.fields, nil, nil, false)
	if err != nil {
		return false
	}
	for _, m := range cs.replay.msgs {
		ts.WriteData(m, nil)
	}
	if cs.replay.closed {
		ts.CloseSend()
	}
	cs.replay = nil
	cs.hmu.Lock()
	if cs.stop != nil {
		cs.stop()
	}
	cs.ts = ts
	cs.reader.Reset(ts)
	cs.watchContext()
	cs.hmu.Unlock()
	old.Release()
	return true
}

// headerStream waits for the response headers of the call's stream and
// returns that stream, after a transparent retry when the server never
// processed the first; nil means the headers were already read.
func (cs *Stream) headerStream() *transport.Stream {
	for {
		cs.hmu.Lock()
		if cs.headerRead {
			cs.hmu.Unlock()
			return nil
		}
		ts := cs.ts
		cs.hmu.Unlock()
		<-ts.HeaderDone()
		if cs.retryUnprocessed(ts) {
			continue
		}
		return ts
	}
}
