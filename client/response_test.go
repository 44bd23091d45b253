package client_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// scriptedCalls is a Conn to a scripted server: each call runs on its own
// goroutine while the test plays the server on its own, with stream ids
// 1, 3, 5, ... in the order the calls are made.
type scriptedCalls struct {
	t  *testing.T
	rs *testsvc.RawServer
	cc *client.Conn
	p  *h2test.Peer
	id uint32
}

func newScriptedCalls(t *testing.T, opts ...client.Option) *scriptedCalls {
	t.Helper()
	rs := testsvc.ListenRaw(t)
	return &scriptedCalls{t: t, rs: rs, cc: testsvc.Dial(t, rs.Addr, opts...), id: 1}
}

// unary starts a unary Echo call and waits for its request; the test then
// answers on the returned stream id and calls wait for the call's outcome.
func (s *scriptedCalls) unary(opts ...client.CallOption) (id uint32, wait func() error) {
	s.t.Helper()
	wait = testsvc.Go(s.t, func() error {
		_, err := echo(context.Background(), s.cc, "req", opts...)
		return err
	})
	if s.p == nil {
		s.p = s.rs.Accept()
	}
	s.p.T = s.t
	id = s.id
	s.id += 2
	s.p.ExpectHeaders(id, false)
	s.p.ExpectGRPCMessage(id)
	return id, wait
}

// serverStream starts a server-streaming Count call and waits for its
// request; wait returns the messages received and the call's outcome.
func (s *scriptedCalls) serverStream() (id uint32, wait func() ([]int32, error)) {
	s.t.Helper()
	type result struct {
		got []int32
		err error
	}
	w := testsvc.Go(s.t, func() result {
		var r result
		for m, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](context.Background(), s.cc, testsvc.CountPath, wrapperspb.Int32(1)) {
			if err != nil {
				r.err = err
				break
			}
			r.got = append(r.got, m.Value)
		}
		return r
	})
	if s.p == nil {
		s.p = s.rs.Accept()
	}
	s.p.T = s.t
	id = s.id
	s.id += 2
	s.p.ExpectHeaders(id, false)
	expectRequest(s.p, id, 1)
	return id, func() ([]int32, error) { r := w(); return r.got, r.err }
}

// expectRequest expects n request messages on stream id and the client's
// half-close, which may come with the last message or in an empty DATA
// frame of its own.
func expectRequest(p *h2test.Peer, id uint32, n int) []h2test.GRPCMessage {
	p.T.Helper()
	msgs, end := p.ExpectGRPCMessages(id, n)
	if !end {
		if data, end := p.ExpectData(id); len(data) != 0 || !end {
			p.T.Fatalf("expected the client's half-close on stream %d, got DATA of %d bytes (END_STREAM %v)", id, len(data), end)
		}
	}
	return msgs
}

// TestTrailersOnlyAccepted: "Trailers-Only" responses are accepted for any
// call; the status, its percent-decoded message and the trailer metadata
// reach the application, the response headers are empty.
func TestTrailersOnlyAccepted(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	var header, trailer wire.Metadata
	id, wait := s.unary(client.Header(&header), client.Trailer(&trailer))
	s.p.WriteGRPCTrailersOnly(id, int(wire.NotFound), "no such user: %E2%98%BA 100%25", "t-key", "t-val", "t-bin", "AAH+")
	st := wantStatus(t, wait(), wire.NotFound)
	if st.Message != "no such user: ☺ 100%" {
		t.Errorf("message %q, want the percent-decoded %q", st.Message, "no such user: ☺ 100%")
	}
	if !st.Remote {
		t.Error("status decoded from the server's grpc-status is not marked Remote")
	}
	if header == nil || header.Len() != 0 {
		t.Errorf("Header option got %v, want empty metadata for a Trailers-Only response", header)
	}
	if got := trailer.Get("t-key"); len(got) != 1 || got[0] != "t-val" {
		t.Errorf("trailer t-key = %q, want [t-val]", got)
	}
	if got := trailer.Get("t-bin"); len(got) != 1 || got[0] != "\x00\x01\xfe" {
		t.Errorf("trailer t-bin = %q, want the decoded bytes", got)
	}
	for _, reserved := range []string{":status", "content-type", "grpc-status", "grpc-message"} {
		if trailer.Get(reserved) != nil {
			t.Errorf("trailer metadata has reserved %s", reserved)
		}
	}

	// Trailers-Only with OK ends a server stream with no message.
	id, waitStream := s.serverStream()
	s.p.WriteGRPCTrailersOnly(id, 0, "")
	if got, err := waitStream(); err != nil || len(got) != 0 {
		t.Errorf("empty stream: got %v, %v; want no message and no error", got, err)
	}
}

// TestMissingStatusFromHTTPStatus pins "Implementations must synthesize a
// Status & Status-Message to propagate to the application layer" for a
// response without grpc-status, by the HTTP-to-gRPC table of
// doc/http-grpc-status-mapping.md, row by row, for a gRPC content-type and
// for a proxy's text/plain.
func TestMissingStatusFromHTTPStatus(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	tests := []struct {
		status int
		code   wire.Code
	}{
		{400, wire.Internal},
		{401, wire.Unauthenticated},
		{403, wire.PermissionDenied},
		{404, wire.Unimplemented},
		{429, wire.Unavailable},
		{431, wire.Internal},
		{502, wire.Unavailable},
		{503, wire.Unavailable},
		{504, wire.Unavailable},
		{500, wire.Unknown},
		{418, wire.Unknown},
	}
	for _, tt := range tests {
		for _, ct := range []string{"application/grpc", "text/plain"} {
			id, wait := s.unary()
			s.p.WriteHeaders(id, true, ":status", fmt.Sprint(tt.status), "content-type", ct)
			wantStatus(t, wait(), tt.code, fmt.Sprint(tt.status))
		}
	}
	// 200 without grpc-status is not OK: "200 is UNKNOWN because there
	// should be a grpc-status in case of truly OK response".
	id, wait := s.unary()
	s.p.WriteHeaders(id, true, ":status", "200", "content-type", "application/grpc")
	if err := wait(); wire.CodeOf(err) == wire.OK {
		t.Errorf("a 200 response without grpc-status succeeded")
	}
}

// TestNonGRPCResponse: a response whose content-type is not gRPC (a proxy's
// or web server's error page) fails the call with a message that says so
// and quotes the start of the body, at most 1 KiB of it.
func TestNonGRPCResponse(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	page := "<html><body>Bad gateway: upstream is down</body></html>"
	long := strings.Repeat("x", 4096)
	tests := []struct {
		status    int
		body      string
		code      wire.Code
		wantQuote string
	}{
		{200, page, wire.Unknown, page},
		{502, page, wire.Unavailable, page},
		{200, long, wire.Unknown, long[:1024]},
	}
	for _, tt := range tests {
		id, wait := s.unary()
		s.p.WriteHeaders(id, false, ":status", fmt.Sprint(tt.status), "content-type", "text/html")
		s.p.WriteData(id, true, []byte(tt.body))
		st := wantStatus(t, wait(), tt.code, "text/html", "not application/grpc", tt.wantQuote)
		s.p.Settle(id, http2.ErrCodeCancel)
		if strings.Contains(st.Message, tt.wantQuote+"x") {
			t.Errorf("message quotes more than 1 KiB of the body: %d bytes", len(st.Message))
		}
	}
}

// TestRSTStreamFromServer pins the RST_STREAM table of PROTOCOL-HTTP2.md
// "Errors" on the client: a server's reset ends the call with the mapped
// code, whether it comes before the response or in the middle of it.
func TestRSTStreamFromServer(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	tests := []struct {
		code http2.ErrCode
		want wire.Code
	}{
		{http2.ErrCodeNo, wire.Internal},
		{http2.ErrCodeProtocol, wire.Internal},
		{http2.ErrCodeInternal, wire.Internal},
		{http2.ErrCodeFlowControl, wire.Internal},
		{http2.ErrCodeSettingsTimeout, wire.Internal},
		{http2.ErrCodeStreamClosed, wire.Internal},
		{http2.ErrCodeFrameSize, wire.Internal},
		{http2.ErrCodeRefusedStream, wire.Unavailable},
		{http2.ErrCodeCancel, wire.Canceled},
		{http2.ErrCodeCompression, wire.Internal},
		{http2.ErrCodeConnect, wire.Internal},
		{http2.ErrCodeEnhanceYourCalm, wire.ResourceExhausted},
		{http2.ErrCodeInadequateSecurity, wire.PermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			s.t = t
			// Before the response headers.
			id, wait := s.serverStream()
			s.p.WriteRST(id, tt.code)
			if tt.code == http2.ErrCodeRefusedStream {
				// "no processing occurred and the request can be retried":
				// the client sends the call again, once; refuse that too.
				id = s.id
				s.id += 2
				s.p.ExpectHeaders(id, false)
				expectRequest(s.p, id, 1)
				s.p.WriteRST(id, tt.code)
			}
			_, err := wait()
			wantStatus(t, err, tt.want, tt.code.String())

			// After a message.
			id, wait = s.serverStream()
			s.p.WriteGRPCResponseHeaders(id)
			s.p.WriteGRPCMessage(id, false, false, testsvc.Marshal(t, wrapperspb.Int32(7)))
			s.p.WriteRST(id, tt.code)
			got, err := wait()
			if len(got) > 1 || len(got) == 1 && got[0] != 7 {
				t.Errorf("messages before the reset: %v, want [7] or none", got)
			}
			wantStatus(t, err, tt.want, tt.code.String())
		})
	}
}

// TestUnaryRetriedOnceWhenRefused: REFUSED_STREAM "Indicates that no
// processing occurred and the request can be retried": a unary call is
// sent again once, transparently, and fails with UNAVAILABLE if refused
// again.
func TestUnaryRetriedOnceWhenRefused(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	id, wait := s.unary()
	s.p.WriteRST(id, http2.ErrCodeRefusedStream)
	s.p.ExpectHeaders(id+2, false)
	m, _ := s.p.ExpectGRPCMessage(id + 2)
	s.p.WriteGRPCResponseHeaders(id + 2)
	s.p.WriteGRPCMessage(id+2, false, false, m.Data)
	s.p.WriteGRPCTrailers(id+2, 0, "")
	if err := wait(); err != nil {
		t.Fatalf("the retried call failed: %v", err)
	}
	s.id += 2

	id, wait = s.unary()
	s.p.WriteRST(id, http2.ErrCodeRefusedStream)
	s.p.ExpectHeaders(id+2, false)
	s.p.ExpectGRPCMessage(id + 2)
	s.p.WriteRST(id+2, http2.ErrCodeRefusedStream)
	wantStatus(t, wait(), wire.Unavailable, "REFUSED_STREAM")
}

// TestStreamEndedInsideMessage: "a truncated message" is INTERNAL, whether
// the stream ends with trailers that claim OK or with a bare END_STREAM.
func TestStreamEndedInsideMessage(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	whole := h2test.LengthPrefixed(false, testsvc.Marshal(t, wrapperspb.String("a whole message")))
	cuts := []struct {
		name string
		data []byte
	}{
		{"inside the prefix", whole[:3]},
		{"inside the body", whole[:len(whole)-2]},
	}
	for _, cut := range cuts {
		id, wait := s.unary()
		s.p.WriteGRPCResponseHeaders(id)
		s.p.WriteData(id, false, cut.data)
		s.p.WriteGRPCTrailers(id, 0, "")
		wantStatus(t, wait(), wire.Internal)
		// The client resets the stream on a bad message; here both sides
		// had ended it already, so that no RST_STREAM should be sent, but
		// see the report on Cancel racing the transport's END_STREAM
		// bookkeeping.
		s.p.Settle(id, http2.ErrCodeCancel)

		id, wait = s.unary()
		s.p.WriteGRPCResponseHeaders(id)
		s.p.WriteData(id, true, cut.data)
		wantStatus(t, wait(), wire.Internal)
		s.p.Settle(id, http2.ErrCodeCancel)
	}
}

// TestUnaryResponseCardinality pins "Response cardinality violation (method
// requires exactly one response but server sent some other number of
// responses) | UNIMPLEMENTED | Client" (doc/statuscodes.md).
func TestUnaryResponseCardinality(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	msg := testsvc.Marshal(t, wrapperspb.String("res"))

	id, wait := s.unary()
	s.p.WriteGRPCResponseHeaders(id)
	s.p.WriteGRPCTrailers(id, 0, "")
	wantStatus(t, wait(), wire.Unimplemented, "cardinality")

	// A non-OK status after no message is the status, not a violation.
	id, wait = s.unary()
	s.p.WriteGRPCResponseHeaders(id)
	s.p.WriteGRPCTrailers(id, int(wire.Aborted), "try again")
	wantStatus(t, wait(), wire.Aborted, "try again")

	// Last, as the client may reset the stream (CANCEL) on seeing the
	// second message, before the trailers reach it.
	id, wait = s.unary()
	s.p.WriteGRPCResponseHeaders(id)
	s.p.WriteGRPCMessage(id, false, false, msg)
	s.p.WriteGRPCMessage(id, false, false, msg)
	s.p.WriteGRPCTrailers(id, 0, "")
	wantStatus(t, wait(), wire.Unimplemented, "cardinality")
}

// TestClientStreamingResponseCardinality: a client-streaming call, too,
// takes exactly one response, and CloseAndRecv reads the call's end to know
// it.
func TestClientStreamingResponseCardinality(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	msg := testsvc.Marshal(t, wrapperspb.String("res"))
	tests := []struct {
		name   string
		script func(id uint32)
		code   wire.Code
	}{
		{"one", func(id uint32) {
			s.p.WriteGRPCMessage(id, false, false, msg)
			s.p.WriteGRPCTrailers(id, 0, "", "t-key", "t-val")
		}, wire.OK},
		{"one then error", func(id uint32) {
			s.p.WriteGRPCMessage(id, false, false, msg)
			s.p.WriteGRPCTrailers(id, int(wire.DataLoss), "lost")
		}, wire.DataLoss},
		// Last: the client may reset the stream on the second message.
		{"two", func(id uint32) {
			s.p.WriteGRPCMessage(id, false, false, msg)
			s.p.WriteGRPCMessage(id, false, false, msg)
			s.p.WriteGRPCTrailers(id, 0, "")
		}, wire.Unimplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var trailer wire.Metadata
			type result struct {
				res *wrapperspb.StringValue
				err error
			}
			wait := testsvc.Go(t, func() result {
				cs, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), s.cc, testsvc.CollectPath, client.Trailer(&trailer))
				if err != nil {
					return result{nil, err}
				}
				if err := cs.Send(wrapperspb.String("a")); err != nil && err != io.EOF {
					return result{nil, err}
				}
				res, err := cs.CloseAndRecv()
				return result{res, err}
			})
			if s.p == nil {
				s.p = s.rs.Accept()
			}
			s.t, s.p.T = t, t
			id := s.id
			s.id += 2
			s.p.ExpectHeaders(id, false)
			expectRequest(s.p, id, 1)
			s.p.WriteGRPCResponseHeaders(id)
			tt.script(id)
			r := wait()
			if tt.code == wire.OK {
				if r.err != nil || r.res.GetValue() != "res" {
					t.Fatalf("CloseAndRecv = %v, %v; want res", r.res, r.err)
				}
				if got := trailer.Get("t-key"); len(got) != 1 || got[0] != "t-val" {
					t.Errorf("Trailer option got %v after CloseAndRecv; want t-key: t-val", trailer)
				}
				return
			}
			wantStatus(t, r.err, tt.code)
		})
	}
}

// TestConnectionLostMidCall pins "If a detectable connection failure occurs
// on the client all calls will be closed with an UNAVAILABLE status"
// (PROTOCOL-HTTP2.md), also when the connection drops between two messages
// or inside one, which a reader of the byte stream alone would take for a
// clean end or a truncated message.
func TestConnectionLostMidCall(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	whole := h2test.LengthPrefixed(false, testsvc.Marshal(t, wrapperspb.Int32(7)))
	tests := []struct {
		name string
		data []byte
	}{
		{"before any message", nil},
		{"between messages", whole},
		{"inside a message", whole[:len(whole)-1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScriptedCalls(t)
			id, wait := s.serverStream()
			s.p.WriteGRPCResponseHeaders(id)
			if tt.data != nil {
				s.p.WriteData(id, false, tt.data)
			}
			s.p.Close()
			_, err := wait()
			wantStatus(t, err, wire.Unavailable)
		})
	}
}

// TestResponseEncodingErrors: compression.md — a message flagged
// compressed in a response without grpc-encoding, a response in an encoding
// the client does not know, and a message that does not decompress fail the
// call with INTERNAL, and the client resets the stream with CANCEL.
func TestResponseEncodingErrors(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := newScriptedCalls(t)
	msg := testsvc.Marshal(t, wrapperspb.String("res"))
	tests := []struct {
		name     string
		encoding []string
		data     []byte
		want     string
	}{
		{"flag 1 without grpc-encoding", nil, h2test.LengthPrefixed(true, msg), "grpc-encoding"},
		{"unknown grpc-encoding", []string{"grpc-encoding", "br"}, h2test.LengthPrefixed(true, msg), `"br"`},
		{"not gzip", []string{"grpc-encoding", "gzip"}, h2test.LengthPrefixed(true, []byte("not gzip")), "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			id, wait := s.unary()
			s.p.WriteGRPCResponseHeaders(id, tt.encoding...)
			s.p.WriteData(id, false, tt.data)
			// No trailers: the stream is open until the client resets it.
			s.p.ExpectRST(id, http2.ErrCodeCancel)
			wantStatus(t, wait(), wire.Internal, tt.want)
		})
	}

	// An encoding announced but not used is fine: the flag is per message.
	s.t = t
	id, wait := s.unary()
	s.p.WriteGRPCResponseHeaders(id, "grpc-encoding", "gzip")
	s.p.WriteGRPCMessage(id, false, false, msg)
	s.p.WriteGRPCTrailers(id, 0, "")
	if err := wait(); err != nil {
		t.Errorf("uncompressed message with grpc-encoding gzip: %v", err)
	}
}

// TestClientResetsStreamAfterServerEndsFirst: when the server ends a call
// the client has not half-closed, and sends no RST_STREAM of its own, the
// client resets the stream with NO_ERROR once it has the status, so that
// the stream does not stay half-open on both sides: with the server's
// MAX_CONCURRENT_STREAMS at 1 the next call could not start otherwise.
// Sending on the ended call then reports io.EOF.
func TestClientResetsStreamAfterServerEndsFirst(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	rs := testsvc.ListenRaw(t)
	cc := testsvc.Dial(t, rs.Addr)
	type result struct {
		bs  *client.BidiStreamClient[wrapperspb.StringValue, wrapperspb.StringValue]
		err error
	}
	wait := testsvc.Go(t, func() result {
		bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.ChatPath)
		if err != nil {
			return result{nil, err}
		}
		bs.Send(wrapperspb.String("a"))
		_, err = bs.Recv()
		return result{bs, err}
	})
	p := rs.Accept(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1})
	p.ExpectHeaders(1, false)
	p.ExpectGRPCMessage(1)
	p.WriteGRPCTrailersOnly(1, 0, "")
	r := wait()
	if r.err != io.EOF {
		t.Fatalf("Recv = %v, want io.EOF", r.err)
	}
	p.ExpectRST(1, http2.ErrCodeNo)
	if err := r.bs.Send(wrapperspb.String("late")); err != io.EOF {
		t.Errorf("Send after the call ended = %v, want io.EOF", err)
	}

	next := testsvc.Go(t, func() error {
		_, err := echo(context.Background(), cc, "next")
		return err
	})
	p.ExpectHeaders(3, false)
	p.ExpectGRPCMessage(3)
	p.WriteGRPCTrailersOnly(3, int(wire.Aborted), "")
	wantStatus(t, next(), wire.Aborted)
}

// TestServerStreamRequestTooLarge: when the one request of a server stream
// cannot be sent (over the send limit), NewServerStream fails and resets
// the stream it had opened, instead of leaving the server waiting for a
// request that will never come.
func TestServerStreamRequestTooLarge(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	rs := testsvc.ListenRaw(t)
	cc := testsvc.Dial(t, rs.Addr)
	wait := testsvc.Go(t, func() error {
		_, err := client.NewServerStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.CountPath,
			wrapperspb.String(strings.Repeat("x", 100)), client.MaxSendMsgSize(10))
		return err
	})
	p := rs.Accept()
	wantStatus(t, wait(), wire.ResourceExhausted, "client.MaxSendMsgSize")
	// The stream may have been reset before its HEADERS went out, and then
	// nothing is sent at all; if they did go out, RST_STREAM(CANCEL) follows.
	data := [8]byte{'d', 'o', 'n', 'e'}
	p.WritePing(false, data)
	// The reset is queued by the context's AfterFunc, on a goroutine of its
	// own, so it may come after the PING's ACK: a stream that was opened
	// must be reset within the peer's timeout.
	opened, acked := false, false
	for !acked || opened {
		switch f := p.ReadFrame().(type) {
		case *h2test.Headers:
			if f.StreamID != 1 || opened {
				t.Fatalf("unexpected %v", f)
			}
			opened = true
		case *http2.RSTStreamFrame:
			if f.StreamID != 1 || f.ErrCode != http2.ErrCodeCancel || !opened {
				t.Fatalf("unexpected RST_STREAM %v on stream %d", f.ErrCode, f.StreamID)
			}
			opened = false
		case *http2.PingFrame:
			acked = acked || f.IsAck() && f.Data == data
		case *http2.DataFrame:
			t.Fatalf("the request was sent: DATA of %d bytes", len(f.Data()))
		}
	}
}
