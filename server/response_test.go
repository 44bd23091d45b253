package server_test

import (
	"context"
	"slices"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestNormalResponseShape pins "Response → (Response-Headers *Length-Prefixed-
// Message Trailers)": one HEADERS frame without END_STREAM (:status 200,
// content-type), the message in DATA, then trailers with END_STREAM and
// grpc-status 0, and nothing after them when the client had half-closed.
func TestNormalResponseShape(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	p := rawConn(t, nil)
	p.Strict(true)
	p.ExpectWindowUpdate(0)
	p.ExpectSettingsAck()

	p.WriteGRPCRequestHeaders(1, testsvc.EchoPath, false)
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("hello")))

	h := p.ExpectHeaders(1, false)
	if got, want := h.Names(), []string{":status", "content-type"}; !slices.Equal(got, want) {
		t.Errorf("response header fields = %q, want %q", got, want)
	}
	if h.Get(":status") != "200" || h.Get("content-type") != wire.ContentType {
		t.Errorf("response headers %v, want :status 200 and content-type %s", h, wire.ContentType)
	}
	msg, end := p.ExpectGRPCMessage(1)
	if end {
		t.Fatal("the message's DATA frame ended the stream; trailers must follow")
	}
	if msg.Compressed {
		t.Error("the message is flagged compressed though the call has no grpc-encoding")
	}
	var got wrapperspb.StringValue
	testsvc.Unmarshal(t, msg.Data, &got)
	if got.Value != "hello" {
		t.Errorf("response %q, want %q", got.Value, "hello")
	}
	tr := p.ExpectGRPCStatus(1, 0)
	if got, want := tr.Names(), []string{"grpc-status"}; !slices.Equal(got, want) {
		t.Errorf("trailer fields = %q, want %q", got, want)
	}
	expectNoReset(t, p, 1)
}

// expectNoReset checks that nothing but flow-control credit and
// acknowledgements follows the end of call id, whose client had
// half-closed before the handler returned: the stream is closed, so no
// RST_STREAM may follow.
func expectNoReset(t *testing.T, p *h2test.Peer, id uint32) {
	t.Helper()
	if p.Settle(id, http2.ErrCodeNo) {
		t.Errorf("RST_STREAM(NO_ERROR) on stream %d after the trailers although the client had half-closed", id)
	}
}

// TestResetNoErrorAfterTrailers pins "Early Server Closure"
// (PROTOCOL-HTTP2.md): when the server sends its trailers before the client
// half-closed, RST_STREAM(NO_ERROR) follows them at once, so that the client
// stops sending but still reads the whole response.
func TestResetNoErrorAfterTrailers(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	svc := &testsvc.Service{
		// Answers after the first request, without waiting for the rest.
		Collect: func(st server.ClientStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			m, err := st.Recv()
			if err != nil {
				return err
			}
			return st.SendAndClose(m)
		},
	}
	p := rawConn(t, svc)
	p.WriteGRPCRequestHeaders(1, testsvc.CollectPath, false)
	p.WriteGRPCMessage(1, false, false, testsvc.Marshal(t, wrapperspb.String("first")))
	p.ExpectHeaders(1, false)
	p.ExpectGRPCMessage(1)
	p.ExpectGRPCStatus(1, 0)
	p.ExpectRST(1, http2.ErrCodeNo)
}

// TestNoResetAfterTrailersWhenClientHalfClosed is the other half: after the
// client's END_STREAM there is nothing to stop, and the stream is closed by
// the trailers alone.
func TestNoResetAfterTrailersWhenClientHalfClosed(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	p := rawConn(t, nil)
	p.WriteGRPCRequestHeaders(1, testsvc.CollectPath, false)
	p.WriteGRPCMessage(1, false, false, testsvc.Marshal(t, wrapperspb.String("a")))
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("b")))
	p.ExpectHeaders(1, false)
	msg, _ := p.ExpectGRPCMessage(1)
	var got wrapperspb.StringValue
	testsvc.Unmarshal(t, msg.Data, &got)
	if got.Value != "a,b" {
		t.Errorf("Collect answered %q, want %q", got.Value, "a,b")
	}
	p.ExpectGRPCStatus(1, 0)
	expectNoReset(t, p, 1)
}

// TestServerStreamingResponseShape: several messages between the headers and
// the trailers, and an empty stream as Trailers-Only with grpc-status 0.
func TestServerStreamingResponseShape(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	p := rawConn(t, nil)
	p.WriteGRPCRequestHeaders(1, testsvc.CountPath, false)
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.Int32(3)))
	p.ExpectHeaders(1, false)
	msgs, _ := p.ExpectGRPCMessages(1, 3)
	for i, m := range msgs {
		var v wrapperspb.Int32Value
		testsvc.Unmarshal(t, m.Data, &v)
		if v.Value != int32(i) {
			t.Errorf("message %d = %d, want %d", i, v.Value, i)
		}
	}
	p.ExpectGRPCStatus(1, 0)
	p.Settle(1, http2.ErrCodeNo)

	p.WriteGRPCRequestHeaders(3, testsvc.CountPath, false)
	p.WriteGRPCMessage(3, true, false, testsvc.Marshal(t, wrapperspb.Int32(0)))
	h := p.ExpectGRPCStatus(3, 0)
	if h.Get(":status") != "200" || h.Get("content-type") != wire.ContentType {
		t.Errorf("empty stream answered %v; want Trailers-Only with :status 200 and content-type", h)
	}
}

// TestResponseHeadersCarryMetadata: headers set by the handler go in the
// response HEADERS, trailers with the status; a -bin value is sent as
// unpadded base64.
func TestResponseHeadersCarryMetadata(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	svc := &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			server.SetHeader(ctx, wire.NewMetadata("h-key", "h-val", "h-bin", "\x00\x01\xfe"))
			server.SetTrailer(ctx, wire.NewMetadata("t-key", "t-val", "t-bin", "\xff"))
			return in, nil
		},
	}
	p := rawConn(t, svc)
	p.WriteGRPCRequestHeaders(1, testsvc.EchoPath, false)
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("x")))
	h := p.ExpectHeaders(1, false)
	if h.Get("h-key") != "h-val" || h.Get("h-bin") != "AAH+" {
		t.Errorf("response headers %v; want h-key: h-val and h-bin: AAH+", h)
	}
	p.ExpectGRPCMessage(1)
	tr := p.ExpectGRPCStatus(1, 0)
	if tr.Get("t-key") != "t-val" || tr.Get("t-bin") != "/w" {
		t.Errorf("trailers %v; want t-key: t-val and t-bin: /w", tr)
	}
}

// TestContentTypeSubtypeEchoed: a request in "application/grpc+proto" is
// answered in the same content-type, in the normal response and in
// Trailers-Only.
func TestContentTypeSubtypeEchoed(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	p := rawConn(t, nil)
	req := testsvc.Marshal(t, wrapperspb.String("x"))
	p.WriteHeaders(1, false, ":method", "POST", ":scheme", "http", ":path", testsvc.EchoPath, ":authority", "localhost",
		"te", "trailers", "content-type", wire.ContentTypeProto)
	p.WriteGRPCMessage(1, true, false, req)
	if h := p.ExpectHeaders(1, false); h.Get("content-type") != wire.ContentTypeProto {
		t.Errorf("response content-type %q, want %q", h.Get("content-type"), wire.ContentTypeProto)
	}
	p.ExpectGRPCMessage(1)
	p.ExpectGRPCStatus(1, 0)
	p.Settle(1, http2.ErrCodeNo)

	p.WriteHeaders(3, true, ":method", "POST", ":scheme", "http", ":path", "/no.Such/Method", ":authority", "localhost",
		"te", "trailers", "content-type", wire.ContentTypeProto)
	if h := p.ExpectHeaders(3, true); h.Get("content-type") != wire.ContentTypeProto {
		t.Errorf("Trailers-Only content-type %q, want %q", h.Get("content-type"), wire.ContentTypeProto)
	}
}
