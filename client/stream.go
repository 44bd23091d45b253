package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
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
	stop   func() bool // stops the context watch
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

// Invoke performs a unary call: it sends req, half-closes, and decodes the
// one response into res. The error is a *wire.Status for every failure.
func (c *Conn) Invoke(ctx context.Context, method string, req, res proto.Message, opts ...CallOption) error {
	if len(c.opts.unaryInts) > 0 {
		return chainUnary(c.opts.unaryInts, c.invoke)(ctx, method, req, res, opts...)
	}
	return c.invoke(ctx, method, req, res, opts...)
}

var unaryDesc = StreamDesc{}

func (c *Conn) invoke(ctx context.Context, method string, req, res proto.Message, opts ...CallOption) error {
	for attempt := 0; ; attempt++ {
		cs, err := c.start(ctx, &unaryDesc, method, req, opts)
		if err != nil {
			return err
		}
		err = cs.RecvMsg(res)
		if err != nil && attempt == 0 && cs.unprocessed() {
			// The server never processed the call (GOAWAY above it, or
			// REFUSED_STREAM): it is safe to send it again, once.
			continue
		}
		return err
	}
}

// NewStream starts a streaming call of the given shape.
func (c *Conn) NewStream(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error) {
	if len(c.opts.streamInts) > 0 {
		return chainStream(c.opts.streamInts, c.newStream)(ctx, desc, method, opts...)
	}
	return c.newStream(ctx, desc, method, opts...)
}

func (c *Conn) newStream(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error) {
	cs, err := c.start(ctx, desc, method, nil, opts)
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// start opens a call's stream; with req set it also sends req and
// half-closes, in the same hand-off to the connection's writer.
func (c *Conn) start(ctx context.Context, desc *StreamDesc, method string, req proto.Message, opts []CallOption) (*Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextStatus(err, "before the call started")
	}
	cs := &Stream{cc: c, ctx: ctx, method: method, desc: *desc}
	cs.co.maxRecv, cs.co.maxSend, cs.co.waitForReady = c.opts.maxRecv, c.opts.maxSend, c.opts.waitForReady
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
	if desc.ClientStreams || desc.ServerStreams {
		cs.replay = &replayBuf{}
	}
	for attempt := 0; ; attempt++ {
		tc, err := c.transport(ctx, cs.co.waitForReady)
		if err != nil {
			return nil, err
		}
		var data []byte
		var bp *[]byte
		if req != nil {
			if data, bp, err = cs.marshal(req); err != nil {
				return nil, err
			}
		}
		ts, err := tc.OpenStream(fields, data, bp, req != nil)
		if err != nil {
			bufpool.Put(bp)
			if transport.IsUnprocessed(err) && attempt == 0 {
				continue
			}
			return nil, wire.Errorf(wire.Unavailable, "grpcwire: %v", err)
		}
		cs.ts = ts
		break
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
	if cs.replay == nil || cs.headerSeen.Load() {
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
		st := cs.trailerStatus()
		if st.Code == wire.OK && !cs.desc.ServerStreams && cs.recvN == 0 {
			st = wire.NewStatus(wire.Unimplemented, "grpcwire: response cardinality violation: the server ended the call with OK but no response message")
		}
		return false, cs.endWith(st)
	}
	if err != nil {
		return false, cs.endWith(cs.recvFailure(err))
	}
	err = unmarshalOpts.Unmarshal(msg, m)
	bufpool.PutSlice(msg) // from the pool (Reader.SetAlloc), or dropped
	if err != nil {
		st := wire.NewStatus(wire.Internal, fmt.Sprintf("grpcwire: cannot parse the response message as %s: %v", m.ProtoReflect().Descriptor().FullName(), err))
		cs.ts.Cancel(http2.ErrCodeCancel)
		return false, cs.endWith(st)
	}
	cs.recvN++
	if !cs.desc.ServerStreams {
		if err := cs.recvEnd(); err != nil {
			return false, err
		}
	}
	return compressed, nil
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
		return cs.endWith(wire.NewStatus(wire.Unimplemented, "grpcwire: response cardinality violation: the server sent more than one response message to a call that takes one"))
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
	}
	if st.Code == wire.OK {
		return io.EOF
	}
	return st
}

// finalStatus is the call's status if it is already known.
// setStatusLocked records the call's final status; hmu is held.
func (cs *Stream) setStatusLocked(st *wire.Status) {
	cs.status = st
	cs.statusSet.Store(true)
}

func (cs *Stream) finalStatus() *wire.Status {
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	return cs.status
}

// unprocessed reports whether the call failed without reaching the server.
func (cs *Stream) unprocessed() bool {
	return cs.recvN == 0 && transport.IsUnprocessed(cs.ts.Err())
}

// readHeader waits for the response headers and checks them; a response
// that is not gRPC, or Trailers-Only, fixes the call's status here.
func (cs *Stream) readHeader() error {
	for {
		cs.hmu.Lock()
		if cs.headerRead {
			cs.hmu.Unlock()
			return nil
		}
		ts := cs.ts
		cs.hmu.Unlock()
		<-ts.HeaderDone()
		if ts.Header() == nil && transport.IsUnprocessed(ts.Err()) {
			// The server never processed the call: send it again, once.
			cs.sendMu.Lock()
			retried := cs.retryLocked(ts)
			cs.sendMu.Unlock()
			if retried {
				continue
			}
		}
		return cs.checkHeader(ts)
	}
}

// checkHeader checks the response headers of ts, which have arrived.
func (cs *Stream) checkHeader(ts *transport.Stream) error {
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	if cs.headerRead {
		return nil
	}
	cs.headerRead = true
	cs.headerSeen.Store(true)
	// The Header call option gets the response headers, or empty metadata
	// when there are none (Trailers-Only, a failed stream), as documented.
	defer func() {
		if cs.co.header != nil {
			*cs.co.header = orEmpty(cs.header)
		}
	}()
	fields := cs.ts.Header()
	if fields == nil {
		cs.setStatusLocked(cs.streamFailure(cs.ts.Err()))
		cs.header = wire.Metadata{}
		return nil
	}
	var httpStatus, contentType, encoding string
	var hasStatus bool
	var md wire.Metadata // made only when there is metadata
	for _, f := range fields {
		switch f.Name {
		case wire.HeaderStatus:
			httpStatus = f.Value
		case wire.HeaderContentType:
			contentType = f.Value
		case wire.HeaderEncoding:
			encoding = f.Value
		case wire.HeaderGRPCStatus:
			hasStatus = true
		default:
			if !f.IsPseudo() {
				if md == nil {
					md = wire.Metadata{}
				}
				md.AddHeaderField(f.Name, f.Value)
			}
		}
	}
	trailersOnly := cs.ts.TrailersOnly()
	_, isGRPC := wire.ParseContentType(contentType)
	if !isGRPC || (httpStatus != "200" && !hasStatus) {
		cs.setStatusLocked(cs.nonGRPCStatus(httpStatus, contentType, isGRPC, trailersOnly))
		cs.header = wire.Metadata{}
		return nil
	}
	if trailersOnly {
		cs.header = wire.Metadata{}
		cs.setStatusLocked(cs.statusFrom(fields, httpStatus))
		return nil
	}
	cs.header = md
	if encoding != "" && encoding != "identity" {
		codec := framing.Lookup(encoding)
		if codec == nil {
			cs.setStatusLocked(wire.NewStatus(wire.Internal, fmt.Sprintf("grpcwire: the server compressed with %q, which is not registered here", encoding)))
			cs.ts.Cancel(http2.ErrCodeCancel)
			return nil
		}
		cs.reader.SetCodec(codec)
	}
	return nil
}

// nonGRPCStatus is the status of a response that is not gRPC: the code from
// the HTTP status (doc/http-grpc-status-mapping.md), and a message that says
// what came back, quoting up to 1 KiB of the body.
func (cs *Stream) nonGRPCStatus(httpStatus, contentType string, isGRPC, ended bool) *wire.Status {
	code := wire.Unknown
	msg := "grpcwire: the response has no :status"
	if n, err := strconv.Atoi(httpStatus); err == nil {
		code = wire.CodeFromHTTPStatus(n)
		msg = fmt.Sprintf("grpcwire: unexpected HTTP status %d (%s) from the server", n, http.StatusText(n))
	}
	if !isGRPC {
		msg += fmt.Sprintf("; its content-type %q is not application/grpc, so it is not a gRPC response", contentType)
	}
	if !ended {
		body := make([]byte, 1024)
		n, _ := io.ReadFull(cs.ts, body)
		if n > 0 {
			msg += fmt.Sprintf("; body: %q", body[:n])
		}
		cs.ts.Cancel(http2.ErrCodeCancel)
	}
	return wire.NewStatus(code, msg)
}

// statusFrom reads the status out of trailer fields.
func (cs *Stream) statusFrom(fields []hpack.HeaderField, httpStatus string) *wire.Status {
	var code, msg, details string
	var hasCode, hasDetails bool
	var md wire.Metadata // made only when there is metadata
	for _, f := range fields {
		switch f.Name {
		case wire.HeaderGRPCStatus:
			code, hasCode = f.Value, true
		case wire.HeaderGRPCMessage:
			msg = f.Value
		case wire.HeaderStatusDetails:
			details, hasDetails = f.Value, true
		default:
			if !f.IsPseudo() && f.Name != wire.HeaderContentType {
				if md == nil {
					md = wire.Metadata{}
				}
				md.AddHeaderField(f.Name, f.Value)
			}
		}
	}
	cs.trailer = md
	if !hasCode && httpStatus != "" && httpStatus != "200" {
		n, _ := strconv.Atoi(httpStatus)
		return wire.NewStatus(wire.CodeFromHTTPStatus(n), fmt.Sprintf("grpcwire: no grpc-status in a response with HTTP status %s", httpStatus))
	}
	if code == "0" && msg == "" && !hasDetails {
		return statusOK // the common case, without an allocation
	}
	return wire.StatusFromTrailer(code, msg, details, hasDetails)
}

// statusOK is the status of calls that end with OK; it never reaches the
// application (RecvMsg returns io.EOF for it).
var statusOK = &wire.Status{Code: wire.OK, Remote: true}

// trailerStatus is the status once the stream ended cleanly.
func (cs *Stream) trailerStatus() *wire.Status {
	trl := cs.ts.Trailer()
	if trl == nil {
		return wire.NewStatus(wire.Internal, "grpcwire: the server ended the stream without trailers")
	}
	cs.hmu.Lock()
	defer cs.hmu.Unlock()
	return cs.statusFrom(trl, "")
}

// recvFailure is the status of a read that failed.
func (cs *Stream) recvFailure(err error) *wire.Status {
	var tl *framing.TooLargeError
	if errors.As(err, &tl) {
		cs.ts.Cancel(http2.ErrCodeCancel)
		return wire.NewStatus(wire.ResourceExhausted, fmt.Sprintf("%v (raise it with client.MaxRecvMsgSize)", tl))
	}
	if serr := cs.ts.Err(); serr != nil {
		// The stream failed (reset, connection lost): that is the call's
		// status, even when the failure wraps io.EOF and so made the framing
		// report a truncated message.
		return cs.streamFailure(serr)
	}
	if errors.Is(err, framing.ErrTruncated) || errors.Is(err, framing.ErrBadFlag) ||
		errors.Is(err, framing.ErrCompressedWithoutEncoding) || errors.Is(err, framing.ErrDecompress) {
		cs.ts.Cancel(http2.ErrCodeCancel)
		return wire.StatusOf(err)
	}
	return cs.streamFailure(err)
}

// deadlinePassed reports whether the call's deadline, if it has one, has
// passed.
func (cs *Stream) deadlinePassed() bool {
	d, ok := cs.ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// streamFailure is the status of a stream the transport ended.
func (cs *Stream) streamFailure(err error) *wire.Status {
	if cs.cc.isClosed() {
		return errClosing
	}
	if errors.Is(err, transport.ErrStreamCanceled) {
		if cerr := cs.ctx.Err(); cerr != nil {
			return contextStatus(cerr, "")
		}
		return wire.NewStatus(wire.Canceled, "grpcwire: the call was canceled")
	}
	if errors.Is(err, transport.ErrHeaderListTooLarge) {
		// Not sent, and it would not be the next time either: INTERNAL, as
		// grpc-go says of the same failure.
		return wire.NewStatus(wire.Internal, fmt.Sprintf("grpcwire: the request headers were not sent: %v (send less metadata)", err))
	}
	var se http2.StreamError
	if errors.As(err, &se) {
		if se.Code == http2.ErrCodeCancel && cs.deadlinePassed() {
			// A server resets the stream with CANCEL at the call's deadline
			// (PROTOCOL-HTTP2.md), and its timer may beat ours: the call
			// failed for its deadline, not because the server gave up.
			return contextStatus(context.DeadlineExceeded, "")
		}
		st := wire.StatusOf(err)
		return wire.NewStatus(st.Code, fmt.Sprintf("grpcwire: the server reset the stream with RST_STREAM %s", se.Code))
	}
	if err == nil {
		return wire.NewStatus(wire.Internal, "grpcwire: the stream ended without a status")
	}
	return wire.NewStatus(wire.Unavailable, fmt.Sprintf("grpcwire: %v", err))
}
