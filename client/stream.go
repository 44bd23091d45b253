package client

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	"grpcwire/framing"
	"grpcwire/internal/bufpool"
	"grpcwire/internal/transport"
	"grpcwire/wire"
)

// Stream is the client's side of one call. Streaming calls return it as a
// ClientStream; unary calls use it inside Invoke.
//
// SendMsg and CloseSend may run in one goroutine while RecvMsg runs in
// another; Header and Trailer may be called from either.
type Stream struct {
	cc     *Conn
	ctx    context.Context
	method string
	desc   StreamDesc
	co     callOptions
	ts     *transport.Stream
	stop   func() bool        // stops the context watch
	cancel context.CancelFunc // ends the service config's timeout, if any
	pinned *transport.Conn    // the connection the call must use (a health check), if any
	codec  framing.Codec

	reader framing.Reader
	ahead  [readAhead]byte // the reader's read-ahead buffer
	recvN  int             // messages received

	hmu        sync.Mutex
	headerRead bool
	header     wire.Metadata
	status     *wire.Status // the call's final status, once known
	trailer    wire.Metadata
	done       bool // resources released

	sendMu sync.Mutex
	sentN  int
	fields []hpack.HeaderField // the request headers, kept for a transparent retry
	replay *replayBuf          // what was sent, while a transparent retry is possible

	headerSeen atomic.Bool // the response headers arrived: no more retries
	statusSet  atomic.Bool // status is set
	halfClosed atomic.Bool // END_STREAM was queued (with a unary request, or by CloseSend)
}

// Invoke performs a unary call: it sends req, half-closes, and decodes the
// one response into res. The error is a *wire.Status for every failure.
func (c *Conn) Invoke(ctx context.Context, method string, req, res proto.Message, opts ...CallOption) error {
	if len(c.opts.unaryInts) > 0 {
		return chainUnary(c.opts.unaryInts, c.invoke)(ctx, method, req, res, opts...)
	}
	return c.invoke(ctx, method, req, res, opts...)
}

var unaryDesc = StreamDesc{}

// NewStream starts a streaming call of the given shape.
func (c *Conn) NewStream(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error) {
	if len(c.opts.streamInts) > 0 {
		return chainStream(c.opts.streamInts, c.newStream)(ctx, desc, method, opts...)
	}
	return c.newStream(ctx, desc, method, opts...)
}

func (c *Conn) newStream(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error) {
	ctx, cancel := c.methodContext(ctx, method)
	cs, err := c.start(ctx, desc, method, nil, opts)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return nil, err
	}
	cs.cancel = cancel
	return cs, nil
}

// methodContext applies the service config's timeout for method to ctx:
// "the maximum duration for RPCs to this method", so the call's deadline is
// the sooner of the two (doc/service_config.md, as grpc-go). The cancel
// function is nil when there is no timeout.
func (c *Conn) methodContext(ctx context.Context, method string) (context.Context, context.CancelFunc) {
	mc := c.config.forMethod(method)
	if mc == nil || mc.timeout == nil {
		return ctx, nil
	}
	return context.WithTimeout(ctx, *mc.timeout)
}

// start opens a call's stream; with req set it also sends req and
// half-closes, in the same hand-off to the connection's writer.
func (c *Conn) start(ctx context.Context, desc *StreamDesc, method string, req proto.Message, opts []CallOption) (*Stream, error) {
	return c.startOn(ctx, nil, desc, method, req, opts)
}

// startOn is start on the connection tc when it is not nil, without
// transparent retry: a health check calls the backend it checks.
func (c *Conn) startOn(ctx context.Context, tc *transport.Conn, desc *StreamDesc, method string, req proto.Message, opts []CallOption) (*Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextStatus(err, "before the call started")
	}
	cs := &Stream{cc: c, ctx: ctx, method: method, desc: *desc, pinned: tc}
	cs.co.maxRecv, cs.co.maxSend, cs.co.waitForReady = c.opts.maxRecv, c.opts.maxSend, c.opts.waitForReady
	if mc := c.config.forMethod(method); mc != nil && mc.waitForReady != nil && !c.opts.waitForReady {
		// The service config's waitForReady, unless WithWaitForReady
		// (a default call option) or the call itself says otherwise: in
		// grpc-go too the call's options are applied after it.
		cs.co.waitForReady = *mc.waitForReady
	}
	for _, o := range c.opts.callOpts {
		o.apply(&cs.co)
	}
	for _, o := range opts {
		o.apply(&cs.co)
	}
	if name := cs.co.compressor; name != "" && name != "identity" {
		if cs.codec = framing.Lookup(name); cs.codec == nil {
			return nil, wire.Errorf(wire.Internal, "grpcwire: compressor %q is not registered (see framing.Register)", name)
		}
	}
	fields, err := cs.requestFields()
	if err != nil {
		return nil, err
	}
	cs.fields = fields
	if (desc.ClientStreams || desc.ServerStreams) && tc == nil {
		cs.replay = &replayBuf{}
	}
	if err := cs.open(req); err != nil {
		return nil, err
	}
	if req != nil {
		cs.sentN = 1
		cs.halfClosed.Store(true)
	}
	cs.watchContext()
	cs.reader.Reset(cs.ts)
	cs.reader.UseBuffer(cs.ahead[:])
	cs.reader.SetAlloc(bufpool.GetSlice)
	cs.reader.SetMaxLen(cs.co.maxRecv)
	return cs, nil
}

// watchContext resets the current stream when the call's context ends.
func (cs *Stream) watchContext() {
	if cs.ctx.Done() != nil {
		ts := cs.ts
		cs.stop = context.AfterFunc(cs.ctx, func() { ts.Cancel(http2.ErrCodeCancel) })
	}
}

// stream returns the call's current transport stream (a transparent retry
// replaces it).
func (cs *Stream) stream() *transport.Stream {
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	return cs.ts
}

// requestFields builds the call's request headers: the Conn's fixed fields,
// :path, grpc-timeout from the context's deadline, grpc-encoding, metadata.
func (cs *Stream) requestFields() ([]hpack.HeaderField, error) {
	c := cs.cc
	n := len(c.reqFields) + 2 + len(cs.co.md)
	fields := make([]hpack.HeaderField, len(c.reqFields), n)
	copy(fields, c.reqFields)
	fields[2].Value = cs.method
	if d, ok := cs.ctx.Deadline(); ok {
		left := time.Until(d)
		if left <= 0 {
			return nil, contextStatus(context.DeadlineExceeded, "before the call started")
		}
		fields = append(fields, hpack.HeaderField{Name: wire.HeaderTimeout, Value: wire.EncodeTimeout(left)})
	}
	if cs.codec != nil {
		fields = append(fields, hpack.HeaderField{Name: wire.HeaderEncoding, Value: cs.codec.Name()})
	}
	if len(cs.co.md) > 0 {
		var err error
		if fields, err = wire.AppendHeaderFields(fields, cs.co.md); err != nil {
			return nil, wire.Errorf(wire.Internal, "grpcwire: invalid request metadata: %v", err)
		}
	}
	return fields, nil
}

// marshal frames a request message in one pooled buffer.
func (cs *Stream) marshal(m proto.Message) ([]byte, *[]byte, error) {
	size := proto.Size(m)
	if cs.co.maxSend >= 0 && size > cs.co.maxSend {
		return nil, nil, wire.Errorf(wire.ResourceExhausted, "grpcwire: request message of %d bytes exceeds the max send size of %d bytes (raise it with client.MaxSendMsgSize)", size, cs.co.maxSend)
	}
	bp := bufpool.Get(framing.PrefixLen + size)
	buf := framing.BeginMessage((*bp)[:0])
	buf, err := proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(buf, m)
	if err != nil {
		bufpool.Put(bp)
		return nil, nil, wire.Errorf(wire.Internal, "grpcwire: cannot marshal the request message: %v", err)
	}
	if buf, err = framing.FinishMessage(buf, 0, cs.codec, -1); err != nil {
		bufpool.Put(bp)
		return nil, nil, wire.StatusOf(err)
	}
	return buf, bp, nil
}

// Context returns the call's context.
func (cs *Stream) Context() context.Context { return cs.ctx }

// SendMsg sends one request message. It returns io.EOF when the call has
// already ended (RecvMsg then returns its status), and a status error for
// a message it could not send (too large, unmarshalable).
func (cs *Stream) SendMsg(m proto.Message) error {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	data, bp, err := cs.marshal(m)
	if err != nil {
		return err
	}
	if cs.replay != nil && (cs.headerSeen.Load() || !cs.replay.add(data)) {
		cs.replay = nil
	}
	ts := cs.stream()
	if err := ts.WriteData(data, bp); err != nil {
		if transport.IsUnprocessed(ts.Err()) && cs.retryLocked(ts) {
			cs.sentN++
			return nil
		}
		return io.EOF
	}
	cs.sentN++
	return nil
}

// CloseSend half-closes the call. It never fails: a call that already ended
// reports its status through RecvMsg.
func (cs *Stream) CloseSend() error {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	cs.halfClosed.Store(true)
	if cs.replay != nil {
		cs.replay.closed = true
	}
	ts := cs.stream()
	if err := ts.CloseSend(); err != nil && transport.IsUnprocessed(ts.Err()) {
		cs.retryLocked(ts)
	}
	return nil
}

// Cancel ends the call at once with RST_STREAM(CANCEL); RecvMsg then
// returns CANCELLED.
func (cs *Stream) Cancel() {
	cs.stream().Cancel(http2.ErrCodeCancel)
}

// Header waits for the response headers and returns their metadata. For a
// Trailers-Only response it returns empty metadata and a nil error: the
// status comes from RecvMsg.
func (cs *Stream) Header() (wire.Metadata, error) {
	if err := cs.readHeader(); err != nil {
		return nil, err
	}
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	return orEmpty(cs.header), nil
}

// orEmpty returns md, or empty metadata for nil: the call keeps nil while
// there is no metadata, to save an allocation per call.
func orEmpty(md wire.Metadata) wire.Metadata {
	if md == nil {
		return wire.Metadata{}
	}
	return md
}

// Trailer returns the trailers; they are complete once RecvMsg has returned
// io.EOF or an error.
func (cs *Stream) Trailer() wire.Metadata {
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	return orEmpty(cs.trailer)
}

// RecvMsg receives the next response message into m. It returns io.EOF
// when the call ended with OK after its last message, or the call's status
// as a *wire.Status.
//
// For a call whose server sends one message (unary, client-streaming) it
// reads on to the call's end before returning that message, as the
// application will not call it again: the trailers (and the Trailer call
// option) are then complete, a status other than OK after the message fails
// the call, and so does a second message ("Response cardinality violation",
// UNIMPLEMENTED, doc/statuscodes.md).
func (cs *Stream) RecvMsg(m proto.Message) error {
	_, err := cs.recvMsg(m)
	return err
}

// recvMsg is RecvMsg, also reporting the message's Compressed-Flag.
func (cs *Stream) recvMsg(m proto.Message) (compressed bool, err error) {
	// Fast path for every message after the first: two atomic loads
	// instead of two critical sections.
	if !cs.headerSeen.Load() {
		if err := cs.readHeader(); err != nil {
			return false, err
		}
	}
	if cs.statusSet.Load() {
		if st := cs.finalStatus(); st != nil {
			return false, cs.endWith(st)
		}
	}
	msg, compressed, err := cs.reader.ReadMessage(nil)
	if err == io.EOF {
		return false, cs.endWith(cs.noMoreMessages())
	}
	if err != nil {
		return false, cs.endWith(cs.recvFailure(err))
	}
	err = unmarshalOpts.Unmarshal(msg, m)
	bufpool.PutSlice(msg) // from the pool (Reader.SetAlloc), or dropped
	if err != nil {
		cs.ts.Cancel(http2.ErrCodeCancel)
		return false, cs.endWith(unparsable(m, err))
	}
	cs.recvN++
	if !cs.desc.ServerStreams {
		if err := cs.recvEnd(); err != nil {
			return false, err
		}
	}
	return compressed, nil
}

// noMoreMessages is the status of a call whose messages have all been
// read: its trailers' status, or UNIMPLEMENTED for a call that takes one
// response message and ended with OK without any ("Response cardinality
// violation", doc/statuscodes.md).
func (cs *Stream) noMoreMessages() *wire.Status {
	st := cs.trailerStatus()
	if st.Code == wire.OK && !cs.desc.ServerStreams && cs.recvN == 0 {
		st = cardinalityViolation("the server ended the call with OK but no response message")
	}
	return st
}

// readAhead sizes the message reader's read-ahead buffer, kept inside the
// call to save an allocation: a few small messages per read.
const readAhead = 256

// unmarshalOpts decodes messages from pooled buffers: lazy decoding, which
// would keep referring to the buffer, is off.
var unmarshalOpts = proto.UnmarshalOptions{NoLazyDecoding: true}

// recvEnd reads the end of a call that takes one response message, after
// that message: the trailers with OK, or the call's failure.
func (cs *Stream) recvEnd() error {
	extra, _, err := cs.reader.ReadMessage(nil)
	bufpool.PutSlice(extra)
	switch {
	case err == io.EOF:
		if err := cs.endWith(cs.trailerStatus()); err != io.EOF {
			return err
		}
		return nil
	case err != nil:
		return cs.endWith(cs.recvFailure(err))
	default:
		cs.ts.Cancel(http2.ErrCodeCancel)
		return cs.endWith(cardinalityViolation("the server sent more than one response message to a call that takes one"))
	}
}

// endWith records the call's final status and releases its resources; it
// returns io.EOF for OK and the status otherwise.
func (cs *Stream) endWith(st *wire.Status) error {
	cs.hmu.Lock()
	if cs.status == nil {
		cs.setStatusLocked(st)
	}
	st = cs.status
	first := !cs.done
	cs.done = true
	cs.hmu.Unlock()
	if first {
		if cs.stop != nil {
			cs.stop()
		}
		if !cs.halfClosed.Load() {
			// The call is over but this side never half-closed: reset the
			// stream with NO_ERROR, as grpc-go does, so that it leaves both
			// sides' stream tables (and the peer's MAX_CONCURRENT_STREAMS
			// count) even when the server sent no RST_STREAM of its own,
			// and so that a later SendMsg reports io.EOF. A stream already
			// reset, by either side, is left alone.
			cs.stream().Cancel(http2.ErrCodeNo)
		}
		cs.ts.Release()
		if cs.co.trailer != nil {
			*cs.co.trailer = cs.Trailer()
		}
		if cs.cancel != nil {
			cs.cancel()
		}
	}
	if st.Code == wire.OK {
		return io.EOF
	}
	return st
}

// setStatusLocked records the call's final status; hmu is held.
func (cs *Stream) setStatusLocked(st *wire.Status) {
	cs.status = st
	cs.statusSet.Store(true)
}

// finalStatus is the call's status if it is already known.
func (cs *Stream) finalStatus() *wire.Status {
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	return cs.status
}
