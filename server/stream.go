package server

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/proto"

	"grpcwire/framing"
	"grpcwire/internal/bufpool"
	"grpcwire/internal/transport"
	"grpcwire/wire"
)

// Stream is the server's side of one call. Handlers see it as a
// ServerStream (or through the typed stream interfaces) and its Context.
//
// A handler may call SendMsg from one goroutine while RecvMsg runs in
// another; header and trailer methods belong with SendMsg.
type Stream struct {
	ctx    callContext
	cancel context.CancelFunc
	srv    *Server
	ts     *transport.Stream
	sc     *serverConn
	method string // :path
	kind   CallKind

	reader    framing.Reader
	ahead     [readAhead]byte // the reader's read-ahead buffer
	sendCodec framing.Codec   // compresses response messages; nil for none
	subtype   string          // the request's content-type subtype, echoed back
	timer     *time.Timer     // the deadline's RST_STREAM

	mdOnce sync.Once
	md     wire.Metadata // incoming metadata, parsed on first use

	sendMu     sync.Mutex // guards what follows against SetHeader from other goroutines
	header     wire.Metadata
	headerSent bool
	trailer    wire.Metadata
	finished   bool
	compress   bool // compress response messages with sendCodec

	gotRequest bool // the one request of a unary or server-streaming call was read
}

// callContext is the handler's context: the call's cancellable (and
// deadline-carrying) context plus the stream, found again by the package's
// FromContext functions without an extra allocation.
type callContext struct {
	context.Context
	st *Stream
}

type streamKey struct{}

func (c *callContext) Value(key any) any {
	if key == (streamKey{}) {
		return c.st
	}
	return c.Context.Value(key)
}

// Context returns the call's context.
func (st *Stream) Context() context.Context { return &st.ctx }

// Method returns the call's full method name, "/package.Service/Method".
func (st *Stream) Method() string { return st.method }

// Metadata returns the request's metadata (its non-reserved headers, and
// user-agent). Binary (-bin) values are decoded.
func (st *Stream) Metadata() wire.Metadata {
	st.mdOnce.Do(func() {
		md := make(wire.Metadata)
		for _, f := range st.ts.Header() {
			if f.IsPseudo() {
				continue
			}
			// Undecodable values were rejected before the handler ran.
			md.AddHeaderField(f.Name, f.Value)
		}
		st.md = md
	})
	return st.md
}

// Peer returns the client's address and, over TLS, the connection state.
func (st *Stream) Peer() Peer { return st.sc.peer }

// Peer describes the client end of a call's connection.
type Peer struct {
	Addr      net.Addr
	LocalAddr net.Addr
	// AuthInfo is set for TLS connections.
	TLS *TLSInfo
}

// SetHeader adds md to the response headers. It fails once the headers
// have been sent.
func (st *Stream) SetHeader(md wire.Metadata) error {
	st.sendMu.Lock()
	defer st.sendMu.Unlock()
	if st.headerSent || st.finished {
		return wire.Errorf(wire.Internal, "grpcwire: SetHeader after the response headers were sent")
	}
	st.header = joinMetadata(st.header, md)
	return nil
}

// SendHeader sends the response headers now, with md added.
func (st *Stream) SendHeader(md wire.Metadata) error {
	st.sendMu.Lock()
	defer st.sendMu.Unlock()
	if st.headerSent || st.finished {
		return wire.Errorf(wire.Internal, "grpcwire: SendHeader called twice or after the call ended")
	}
	st.header = joinMetadata(st.header, md)
	hdr, err := st.headerFieldsLocked()
	if err != nil {
		return err
	}
	st.headerSent = true
	if err := st.ts.WriteHeaders(hdr); err != nil {
		return st.sendError(err)
	}
	return nil
}

// SetTrailer adds md to the trailers sent with the call's status.
func (st *Stream) SetTrailer(md wire.Metadata) {
	st.sendMu.Lock()
	st.trailer = joinMetadata(st.trailer, md)
	st.sendMu.Unlock()
}

// SetSendCompressor compresses the response messages from now on with the
// named codec ("identity" or "" turns compression off). When the client did
// not list it in grpc-accept-encoding, the messages go uncompressed, as
// grpc/grpc doc/compression.md requires: "For every message a server is
// requested to compress using an algorithm it knows the client doesn't
// support (as indicated by the last grpc-accept-encoding header received
// from the client), it SHALL send the message uncompressed." It fails for a
// codec that is not registered, or if the headers, which carry
// grpc-encoding, were already sent with another encoding.
func (st *Stream) SetSendCompressor(name string) error {
	st.sendMu.Lock()
	defer st.sendMu.Unlock()
	if name == "" || name == "identity" {
		st.compress = false
		return nil
	}
	c := framing.Lookup(name)
	if c == nil {
		return wire.Errorf(wire.Internal, "grpcwire: compressor %q is not registered", name)
	}
	if !acceptsEncoding(st.ts.Header(), name) {
		st.compress = false
		return nil
	}
	if st.headerSent && (st.sendCodec == nil || st.sendCodec.Name() != name) {
		return wire.Errorf(wire.Internal, "grpcwire: SetSendCompressor(%q) after the headers were sent", name)
	}
	st.sendCodec = c
	st.compress = true
	return nil
}

// SetCompressMessages turns compression of the following response messages
// on or off while keeping the negotiated encoding, so that single messages
// can go uncompressed (the compressed flag is per message).
func (st *Stream) SetCompressMessages(on bool) {
	st.sendMu.Lock()
	st.compress = on && st.sendCodec != nil
	st.sendMu.Unlock()
}

// RecvMsg receives the next request message into m. It returns io.EOF once
// the client has half-closed and every message was read; any other error is
// a status error that should end the call.
//
// For a method whose kind takes one request (unary, server-streaming) it
// enforces that the client sent exactly one, whatever the handler: the
// first RecvMsg also reads the client's half-close, failing with
// UNIMPLEMENTED ("Request cardinality violation", doc/statuscodes.md) for
// none or more, and later calls return io.EOF.
func (st *Stream) RecvMsg(m proto.Message) error {
	_, err := st.RecvMsgCompressed(m)
	return err
}

// recvMsg receives the next request message into m, whatever the call's
// kind.
func (st *Stream) recvMsg(m proto.Message) error {
	_, err := st.recvMsgCompressed(m)
	return err
}

// unmarshalOpts decodes messages from pooled buffers: lazy decoding, which
// would keep referring to the buffer, is off.
var unmarshalOpts = proto.UnmarshalOptions{NoLazyDecoding: true}

// readAhead sizes the message reader's read-ahead buffer, kept inside the
// call to save an allocation: a few small messages per read.
const readAhead = 256

// recvError turns a read failure into the status the call ends with.
func (st *Stream) recvError(err error) error {
	var tl *framing.TooLargeError
	if errors.As(err, &tl) {
		// The status goes to a client that may be written in any language:
		// it says the limit and what exceeded it. The Go option that
		// raises the limit is for this server's operator: the log says it.
		st.srv.opts.logger.Info("grpcwire: request message over the max receive size; server.MaxRecvMsgSize raises it",
			"method", st.method, "length", tl.Length, "decompressed", tl.Decompressed, "limit", tl.Limit)
		if tl.Decompressed {
			return wire.Errorf(wire.ResourceExhausted, "grpcwire: the request message, decompressed, exceeds the server's max receive size of %d bytes", tl.Limit)
		}
		return wire.Errorf(wire.ResourceExhausted, "grpcwire: the request message of %d bytes exceeds the server's max receive size of %d bytes", tl.Length, tl.Limit)
	}
	if err := st.ctx.Err(); err != nil {
		return wire.StatusOf(err)
	}
	var se http2.StreamError
	if errors.As(err, &se) {
		return wire.Errorf(wire.Canceled, "grpcwire: the client reset the call (RST_STREAM %s)", se.Code)
	}
	return wire.StatusOf(err)
}

// SendMsg sends one response message, with the response headers first if
// they have not been sent.
func (st *Stream) SendMsg(m proto.Message) error {
	st.sendMu.Lock()
	defer st.sendMu.Unlock()
	if st.finished {
		return wire.Errorf(wire.Internal, "grpcwire: SendMsg after the call ended")
	}
	data, bp, err := st.marshalLocked(m)
	if err != nil {
		return err
	}
	var hdr []hpack.HeaderField
	if !st.headerSent {
		if hdr, err = st.headerFieldsLocked(); err != nil {
			bufpool.Put(bp)
			return err
		}
		st.headerSent = true
	}
	if hdr != nil {
		err = st.ts.WriteHeadersAndData(hdr, data, bp)
	} else {
		err = st.ts.WriteData(data, bp)
	}
	if err != nil {
		return st.sendError(err)
	}
	return nil
}

// marshalLocked frames m: prefix and message bytes in one pooled buffer,
// compressed when the call compresses.
func (st *Stream) marshalLocked(m proto.Message) ([]byte, *[]byte, error) {
	size := proto.Size(m)
	if st.srv.opts.maxSend >= 0 && size > st.srv.opts.maxSend {
		// As for the receive size: the limit in the status, which the
		// client sees if the handler returns it; the option in the log.
		st.srv.opts.logger.Warn("grpcwire: response message over the max send size; server.MaxSendMsgSize raises it",
			"method", st.method, "length", size, "limit", st.srv.opts.maxSend)
		return nil, nil, wire.Errorf(wire.ResourceExhausted, "grpcwire: the response message of %d bytes exceeds the server's max send size of %d bytes", size, st.srv.opts.maxSend)
	}
	bp := bufpool.Get(framing.PrefixLen + size)
	buf := framing.BeginMessage((*bp)[:0])
	buf, err := proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(buf, m)
	if err != nil {
		bufpool.Put(bp)
		return nil, nil, wire.Errorf(wire.Internal, "grpcwire: cannot marshal the response message: %v", err)
	}
	var codec framing.Codec
	if st.compress {
		codec = st.sendCodec
	}
	buf, err = framing.FinishMessage(buf, 0, codec, -1)
	if err != nil {
		bufpool.Put(bp)
		return nil, nil, wire.StatusOf(err)
	}
	return buf, bp, nil
}

// sendError turns a write failure into what SendMsg returns.
func (st *Stream) sendError(err error) error {
	if err := st.ctx.Err(); err != nil {
		return wire.StatusOf(err)
	}
	if errors.Is(err, transport.ErrStreamDone) {
		return wire.Errorf(wire.Internal, "grpcwire: the call already ended")
	}
	var se http2.StreamError
	if errors.As(err, &se) {
		return wire.Errorf(wire.Canceled, "grpcwire: the client reset the call (RST_STREAM %s)", se.Code)
	}
	return wire.StatusOf(err)
}

// headerFieldsLocked builds the response headers.
func (st *Stream) headerFieldsLocked() ([]hpack.HeaderField, error) {
	if len(st.header) == 0 && st.sendCodec == nil {
		if st.subtype == "proto" {
			return respHeadersProto, nil
		}
		if st.subtype == "" {
			return respHeaders, nil
		}
	}
	hdr := make([]hpack.HeaderField, 0, 3+len(st.header))
	hdr = append(hdr,
		hpack.HeaderField{Name: wire.HeaderStatus, Value: wire.HTTPStatusOK},
		hpack.HeaderField{Name: wire.HeaderContentType, Value: wire.ContentTypeFor(st.subtype)})
	if st.sendCodec != nil {
		hdr = append(hdr, hpack.HeaderField{Name: wire.HeaderEncoding, Value: st.sendCodec.Name()})
	}
	hdr, err := wire.AppendHeaderFields(hdr, st.header)
	if err != nil {
		return nil, wire.Errorf(wire.Internal, "grpcwire: invalid response header metadata: %v", err)
	}
	return hdr, nil
}

// Response headers without metadata or encoding, shared by every call.
var (
	respHeaders = []hpack.HeaderField{
		{Name: wire.HeaderStatus, Value: wire.HTTPStatusOK},
		{Name: wire.HeaderContentType, Value: wire.ContentType},
	}
	respHeadersProto = []hpack.HeaderField{
		{Name: wire.HeaderStatus, Value: wire.HTTPStatusOK},
		{Name: wire.HeaderContentType, Value: wire.ContentTypeProto},
	}
	okTrailers = []hpack.HeaderField{{Name: wire.HeaderGRPCStatus, Value: "0"}}
)

// finish ends the call with the status of err (OK when nil): trailers after
// a response, or a Trailers-Only response when nothing was sent.
func (st *Stream) finish(err error) {
	st.sendMu.Lock()
	defer st.sendMu.Unlock()
	if st.finished {
		return
	}
	st.finished = true
	if st.pastDeadline() {
		return
	}
	var status *wire.Status
	if err != nil {
		status = wire.StatusOf(err)
	}
	trl := st.trailerFieldsLocked(status)
	if st.headerSent {
		st.ts.WriteTrailers(trl)
		return
	}
	st.headerSent = true
	hdr, herr := st.headerFieldsLocked()
	if herr != nil {
		hdr = respHeaders
		trl = st.trailerFieldsLocked(wire.StatusOf(herr))
	}
	if len(st.header) > 0 && herr == nil {
		// The handler set header metadata: it must arrive as headers, so
		// headers and trailers go as two HEADERS frames (as grpc-go sends
		// them), not as one Trailers-Only frame that would make the metadata
		// look like trailers.
		st.ts.WriteHeadersAndTrailers(hdr, trl)
		return
	}
	// Trailers-Only: one HEADERS frame with END_STREAM carries the status.
	st.ts.WriteTrailersOnly(concatFields(hdr, trl))
}

// finishUnary sends a unary call's whole response (headers, message,
// trailers) in one hand-off to the writer.
func (st *Stream) finishUnary(res proto.Message) {
	st.sendMu.Lock()
	if st.finished {
		st.sendMu.Unlock()
		return
	}
	if st.pastDeadline() {
		st.finished = true
		st.sendMu.Unlock()
		return
	}
	data, bp, err := st.marshalLocked(res)
	if err != nil {
		st.sendMu.Unlock()
		st.finish(err)
		return
	}
	var hdr []hpack.HeaderField
	if !st.headerSent {
		if hdr, err = st.headerFieldsLocked(); err != nil {
			st.sendMu.Unlock()
			bufpool.Put(bp)
			st.finish(err)
			return
		}
		st.headerSent = true
	}
	st.finished = true
	trl := st.trailerFieldsLocked(nil)
	st.sendMu.Unlock()
	st.ts.WriteResponse(hdr, data, bp, trl)
}

// pastDeadline reports whether the call's deadline (grpc-timeout) has
// passed, and if so resets the stream with RST_STREAM(CANCEL): "the server
// should locally cancel the RPC and send RST_STREAM with CANCEL error code"
// (PROTOCOL-HTTP2.md), and send no status, since the client has already
// failed the call with DEADLINE_EXCEEDED on its own clock. handleStream's
// timer resets the stream too, but a handler that returns as soon as its
// context ends races it; without this check the handler could win and send
// a status instead of the reset.
func (st *Stream) pastDeadline() bool {
	if st.ctx.Err() != context.DeadlineExceeded {
		return false
	}
	st.ts.Cancel(wire.RSTStreamCancel)
	return true
}

// trailerFieldsLocked builds the trailers for status (nil: OK).
func (st *Stream) trailerFieldsLocked(status *wire.Status) []hpack.HeaderField {
	if status == nil && len(st.trailer) == 0 {
		return okTrailers
	}
	trl := make([]hpack.HeaderField, 0, 3+len(st.trailer))
	code := wire.OK
	if status != nil {
		code = status.Code
	}
	trl = append(trl, hpack.HeaderField{Name: wire.HeaderGRPCStatus, Value: codeStrings[code%17]})
	if code > 16 {
		trl[0].Value = itoa(uint32(code))
	}
	if status != nil && status.Message != "" {
		trl = append(trl, hpack.HeaderField{Name: wire.HeaderGRPCMessage, Value: wire.EncodeMessage(status.Message)})
	}
	if status != nil && len(status.Details) > 0 {
		trl = append(trl, hpack.HeaderField{Name: wire.HeaderStatusDetails, Value: wire.EncodeBinary(wire.MarshalStatusDetails(status))})
	}
	trl, err := wire.AppendHeaderFields(trl, st.trailer)
	if err != nil {
		st.srv.opts.logger.Warn("grpcwire: invalid trailer metadata dropped", "method", st.method, "err", err)
		trl = trl[:1]
		if status != nil && status.Message != "" {
			trl = append(trl, hpack.HeaderField{Name: wire.HeaderGRPCMessage, Value: wire.EncodeMessage(status.Message)})
		}
	}
	return trl
}

var codeStrings = [17]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"}

func itoa(v uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

func concatFields(a, b []hpack.HeaderField) []hpack.HeaderField {
	out := make([]hpack.HeaderField, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

func joinMetadata(dst, md wire.Metadata) wire.Metadata {
	if len(md) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(wire.Metadata, len(md))
	}
	for k, vs := range md {
		dst.Append(k, vs...)
	}
	return dst
}

// acceptsEncoding reports whether the request's grpc-accept-encoding lists
// name.
func acceptsEncoding(fields []hpack.HeaderField, name string) bool {
	for _, f := range fields {
		if f.Name != wire.HeaderAcceptEncoding {
			continue
		}
		for v := range splitComma(f.Value) {
			if v == name {
				return true
			}
		}
	}
	return false
}
