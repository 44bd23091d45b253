package server

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"strings"
	"time"

	"grpcwire/internal/bufpool"

	"golang.org/x/net/http2/hpack"

	"grpcwire/framing"
	"grpcwire/internal/transport"
	"grpcwire/wire"
)

// job is a new stream for a handler goroutine.
type job struct {
	sc *serverConn
	ts *transport.Stream
}

// workerIdle is how long a handler goroutine waits for another call before
// it exits. Reusing goroutines saves their creation and, more, the growth of
// their stacks on every call; the bound keeps a burst of calls from leaving
// goroutines behind for good.
const workerIdle = 10 * time.Second

// dispatch hands a new stream to an idle handler goroutine, or starts one.
// It runs on the connection's reader goroutine and never blocks.
func (s *Server) dispatch(sc *serverConn, ts *transport.Stream) {
	select {
	case s.jobs <- job{sc, ts}:
		return
	default:
	}
	s.workerWG.Add(1)
	go s.worker(job{sc, ts})
}

// worker runs calls one after the other until it has been idle for
// workerIdle or the server stops.
func (s *Server) worker(j job) {
	defer s.workerWG.Done()
	var idle *time.Timer
	for {
		s.handleStream(j.sc, j.ts)
		if idle == nil {
			idle = time.NewTimer(workerIdle)
		} else {
			idle.Reset(workerIdle)
		}
		select {
		case j = <-s.jobs:
		case <-idle.C:
			return
		case <-s.quit:
			idle.Stop()
			return
		}
	}
}

// requestHeaders are the request header fields the server acts on.
type requestHeaders struct {
	method, path, contentType, timeout, encoding string
	hasTimeout, hasBinary                        bool
}

func parseRequestHeaders(fields []hpack.HeaderField) (h requestHeaders) {
	for _, f := range fields {
		switch f.Name {
		case wire.HeaderMethod:
			h.method = f.Value
		case wire.HeaderPath:
			h.path = f.Value
		case wire.HeaderContentType:
			h.contentType = f.Value
		case wire.HeaderTimeout:
			h.timeout, h.hasTimeout = f.Value, true
		case wire.HeaderEncoding:
			h.encoding = f.Value
		default:
			if strings.HasSuffix(f.Name, wire.BinarySuffix) {
				h.hasBinary = true
			}
		}
	}
	return h
}

// admitted is what admit found in a request it accepted.
type admitted struct {
	m          *method
	path       string
	subtype    string
	codec      framing.Codec // of grpc-encoding; nil for identity
	timeout    time.Duration
	hasTimeout bool
}

// handleStream runs one call: admit checks the request, then the handler
// runs on a stream of its own.
//
// The checks and their rejections live in admit, which returns before the
// handler starts, so that their frame (formatting, header literals) is not
// under every handler on the goroutine's stack: a handler goroutine's stack
// then stays within 4 KiB for a small call, as the memory section of the
// benchmarks measures per idle stream.
func (s *Server) handleStream(sc *serverConn, ts *transport.Stream) {
	a, ok := s.admit(ts)
	if !ok {
		return
	}
	s.serveAdmitted(sc, ts, &a)
}

// admit checks a request in the order gRPC servers answer (grpc/grpc
// doc/PROTOCOL-HTTP2.md and grpc-go as the tie-breaker): an oversized
// header list (HTTP 431), :method (HTTP 405), content-type (HTTP 415), the
// method's existence (UNIMPLEMENTED), grpc-encoding (UNIMPLEMENTED with
// grpc-accept-encoding), grpc-timeout (INTERNAL, HTTP 400), binary metadata
// (INTERNAL). It answers a request it rejects and reports false.
//
//go:noinline
func (s *Server) admit(ts *transport.Stream) (a admitted, ok bool) {
	if ts.HeaderTooLarge() {
		httpReject(ts, "431", wire.NewStatus(wire.ResourceExhausted, fmt.Sprintf(
			"grpcwire: the request's header list exceeds this server's SETTINGS_MAX_HEADER_LIST_SIZE of %d bytes", s.opts.maxHeaderListSize)))
		return a, false
	}
	h := parseRequestHeaders(ts.Header())
	if h.method != wire.MethodPOST {
		httpReject(ts, "405", wire.NewStatus(wire.Internal, fmt.Sprintf(
			"grpcwire: this is a gRPC server: requests must be POST, not %q", h.method)))
		return a, false
	}
	subtype, ok := wire.ParseContentType(h.contentType)
	if !ok {
		httpReject(ts, "415", wire.NewStatus(wire.Internal, fmt.Sprintf(
			"grpcwire: this is a gRPC server: content-type must be application/grpc, not %q", h.contentType)))
		return a, false
	}
	if subtype != "" && subtype != "proto" {
		httpReject(ts, "415", wire.NewStatus(wire.Internal, fmt.Sprintf(
			"grpcwire: content-type %q: this server speaks only the proto codec (application/grpc or application/grpc+proto)", h.contentType)))
		return a, false
	}
	m := s.methods[h.path]
	if m == nil {
		earlyAbort(ts, wire.HTTPStatusOK, subtype, wire.NewStatus(wire.Unimplemented, s.unknownMethod(h.path)))
		return a, false
	}
	var recvCodec framing.Codec
	if h.encoding != "" && h.encoding != "identity" {
		if recvCodec = framing.Lookup(h.encoding); recvCodec == nil {
			earlyAbort(ts, wire.HTTPStatusOK, subtype, wire.NewStatus(wire.Unimplemented, fmt.Sprintf(
				"grpcwire: grpc-encoding %q is not supported; this server accepts %s", h.encoding, strings.Join(framing.Names(), ","))),
				hpack.HeaderField{Name: wire.HeaderAcceptEncoding, Value: strings.Join(framing.Names(), ",")})
			return a, false
		}
	}
	var timeout time.Duration
	if h.hasTimeout {
		var err error
		if timeout, err = wire.ParseTimeout(h.timeout); err != nil {
			earlyAbort(ts, "400", subtype, wire.StatusOf(err))
			return a, false
		}
		if timeout <= 0 {
			earlyAbort(ts, wire.HTTPStatusOK, subtype, wire.NewStatus(wire.DeadlineExceeded, "grpcwire: the call's deadline had passed when it arrived"))
			return a, false
		}
	}
	if h.hasBinary {
		if err := checkBinaryMetadata(ts.Header()); err != nil {
			earlyAbort(ts, wire.HTTPStatusOK, subtype, wire.NewStatus(wire.Internal, err.Error()))
			return a, false
		}
	}
	return admitted{m: m, path: h.path, subtype: subtype, codec: recvCodec, timeout: timeout, hasTimeout: h.hasTimeout}, true
}

// serveAdmitted runs the handler of an admitted request and releases the
// stream.
func (s *Server) serveAdmitted(sc *serverConn, ts *transport.Stream, a *admitted) {
	m, subtype, recvCodec, timeout := a.m, a.subtype, a.codec, a.timeout
	st := &Stream{srv: s, ts: ts, sc: sc, method: a.path, kind: m.desc.Kind, subtype: subtype}
	st.ctx.st = st
	var ctx context.Context
	var stopDeadline func() bool
	if a.hasTimeout {
		ctx, st.cancel = context.WithTimeout(context.Background(), timeout)
		// At the deadline the handler's context is cancelled and the stream
		// reset with CANCEL, as grpc-go does: the client has already failed
		// the call with DEADLINE_EXCEEDED on its own clock.
		stopDeadline = context.AfterFunc(ctx, func() {
			if ctx.Err() == context.DeadlineExceeded {
				ts.Cancel(wire.RSTStreamCancel)
			}
		})
	} else {
		ctx, st.cancel = context.WithCancel(context.Background())
	}
	st.ctx.Context = ctx
	ts.SetAbortFunc(st.cancel)
	st.reader.Reset(ts)
	st.reader.UseBuffer(st.ahead[:])
	st.reader.SetAlloc(bufpool.GetSlice)
	st.reader.SetMaxLen(s.opts.maxRecv)
	if recvCodec != nil {
		st.reader.SetCodec(recvCodec)
		// Responses use the request's encoding unless the handler says
		// otherwise (SetSendCompressor), as grpc-go does.
		st.sendCodec, st.compress = recvCodec, true
	}

	s.run(m, st)

	if stopDeadline != nil {
		stopDeadline()
	}
	st.cancel()
	ts.Release()
}

// run calls the handler, turning a panic into INTERNAL for this call only.
func (s *Server) run(m *method, st *Stream) {
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 16<<10)
			buf = buf[:runtime.Stack(buf, false)]
			s.opts.logger.Error("grpcwire: handler panicked", "method", st.method, "panic", fmt.Sprint(r), "stack", string(buf))
			st.finish(wire.Errorf(wire.Internal, "grpcwire: the handler of %s panicked", st.method))
		}
	}()
	if m.unary != nil {
		// RecvMsg of a unary call also reads the client's half-close,
		// answering any other number of requests with UNIMPLEMENTED.
		req := m.desc.newReq()
		if err := st.RecvMsg(req); err != nil {
			st.finish(err)
			return
		}
		res, err := m.unary(&st.ctx, req)
		switch {
		case err != nil:
			st.finish(err)
		case res == nil:
			st.finish(wire.Errorf(wire.Internal, "grpcwire: the handler of %s returned neither a response nor an error", st.method))
		default:
			st.finishUnary(res)
		}
		return
	}
	st.finish(m.stream(st))
}

// unknownMethod words the UNIMPLEMENTED message for a :path with no handler,
// naming whether the service or only the method is unknown.
func (s *Server) unknownMethod(path string) string {
	svc, name, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || !strings.HasPrefix(path, "/") {
		return fmt.Sprintf("grpcwire: malformed method name %q; want /package.Service/Method", path)
	}
	s.mu.Lock()
	_, known := s.services[svc]
	s.mu.Unlock()
	if !known {
		return fmt.Sprintf("grpcwire: unknown service %s", svc)
	}
	return fmt.Sprintf("grpcwire: unknown method %s for service %s", name, svc)
}

// httpReject answers a request that is not gRPC at the HTTP level (405, 415,
// 431) as a plain HTTP response: the status, a text body saying what is
// wrong for people trying the server with curl, and grpc-status and
// grpc-message headers for gRPC tools. As for any HTTP response, the stream
// is left to the client to end: no RST_STREAM follows.
func httpReject(ts *transport.Stream, httpStatus string, st *wire.Status) {
	fields := []hpack.HeaderField{
		{Name: wire.HeaderStatus, Value: httpStatus},
		{Name: wire.HeaderContentType, Value: "text/plain; charset=utf-8"},
		{Name: wire.HeaderGRPCStatus, Value: itoa(uint32(st.Code))},
		{Name: wire.HeaderGRPCMessage, Value: wire.EncodeMessage(st.Message)},
	}
	ts.KeepOpenAfterEnd()
	ts.WriteHeadersAndBody(fields, []byte(st.Message+"\n"))
	ts.Release()
}

// earlyAbort answers a request that will not reach a handler with one
// HEADERS frame carrying END_STREAM: the HTTP status, the content-type and
// the gRPC status (Trailers-Only, PROTOCOL-HTTP2.md).
func earlyAbort(ts *transport.Stream, httpStatus, subtype string, st *wire.Status, extra ...hpack.HeaderField) {
	fields := make([]hpack.HeaderField, 0, 5+len(extra))
	fields = append(fields,
		hpack.HeaderField{Name: wire.HeaderStatus, Value: httpStatus},
		hpack.HeaderField{Name: wire.HeaderContentType, Value: wire.ContentTypeFor(subtype)},
		hpack.HeaderField{Name: wire.HeaderGRPCStatus, Value: itoa(uint32(st.Code))})
	if st.Message != "" {
		fields = append(fields, hpack.HeaderField{Name: wire.HeaderGRPCMessage, Value: wire.EncodeMessage(st.Message)})
	}
	fields = append(fields, extra...)
	ts.WriteTrailersOnly(fields)
	ts.Release()
}

// checkBinaryMetadata decodes every -bin value once, so that a request with
// undecodable binary metadata fails before its handler runs (INTERNAL, as
// grpc-go answers "malformed binary metadata").
func checkBinaryMetadata(fields []hpack.HeaderField) error {
	md := make(wire.Metadata)
	for _, f := range fields {
		if f.IsPseudo() || !strings.HasSuffix(f.Name, wire.BinarySuffix) {
			continue
		}
		if err := md.AddHeaderField(f.Name, f.Value); err != nil {
			return fmt.Errorf("grpcwire: malformed binary metadata %q: %v", f.Name, err)
		}
	}
	return nil
}

// splitComma yields the comma-separated, trimmed, non-empty parts of v.
func splitComma(v string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" && !yield(part) {
				return
			}
		}
	}
}
