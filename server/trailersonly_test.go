package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// rawConn starts the test service (the default handlers for a nil svc) with
// opts and returns a scripted client that has completed the handshake with
// it.
func rawConn(t *testing.T, svc *testsvc.Service, opts ...server.Option) *h2test.Peer {
	t.Helper()
	_, addr := testsvc.Start(t, svc, opts...)
	p := testsvc.RawClient(t, addr)
	p.Handshake()
	return p
}

// trailersOnlyFields are the fields of a Trailers-Only response, in order,
// PROTOCOL-HTTP2.md: "Trailers-Only → HTTP-Status Content-Type Trailers".
var trailersOnlyFields = []string{":status", "content-type", "grpc-status", "grpc-message"}

// checkTrailersOnly checks that h is a Trailers-Only response with HTTP
// status 200, content-type application/grpc, the given code and a
// grpc-message in printable ASCII that is the percent-encoding of a message,
// and no fields but those and extra. It returns the decoded message.
func checkTrailersOnly(t *testing.T, h *h2test.Headers, code wire.Code, extra ...string) string {
	t.Helper()
	if !h.EndStream {
		t.Fatalf("response %v does not end the stream; Trailers-Only is one HEADERS frame with END_STREAM", h)
	}
	if got, want := h.Names(), append(slices.Clip(trailersOnlyFields), extra...); !slices.Equal(got, want) {
		t.Errorf("Trailers-Only fields = %q, want %q", got, want)
	}
	if got := h.Get(":status"); got != "200" {
		t.Errorf(":status = %q, want 200", got)
	}
	if got := h.Get("content-type"); got != wire.ContentType {
		t.Errorf("content-type = %q, want %q", got, wire.ContentType)
	}
	if got, want := h.Get("grpc-status"), itoa(code); got != want {
		t.Errorf("grpc-status = %q, want %s (%v)", got, want, code)
	}
	enc := h.Get("grpc-message")
	msg := wire.DecodeMessage(enc)
	if reenc := wire.EncodeMessage(msg); reenc != enc {
		t.Errorf("grpc-message %q is not the percent-encoding of %q (want %q)", enc, msg, reenc)
	}
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; c < 0x20 || c > 0x7e {
			t.Errorf("grpc-message %q has byte %#x; PROTOCOL-HTTP2.md allows only printable ASCII", enc, c)
			break
		}
	}
	return msg
}

func itoa(c wire.Code) string { return wireCodeString[c] }

var wireCodeString = map[wire.Code]string{
	wire.OK: "0", wire.Canceled: "1", wire.Unknown: "2", wire.InvalidArgument: "3",
	wire.DeadlineExceeded: "4", wire.NotFound: "5", wire.AlreadyExists: "6",
	wire.PermissionDenied: "7", wire.ResourceExhausted: "8", wire.FailedPrecondition: "9",
	wire.Aborted: "10", wire.OutOfRange: "11", wire.Unimplemented: "12", wire.Internal: "13",
	wire.Unavailable: "14", wire.DataLoss: "15", wire.Unauthenticated: "16",
}

func TestTrailersOnlyForUnknownMethod(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	p := rawConn(t, nil)
	p.Strict(true)
	p.ExpectWindowUpdate(0) // the server raising its connection window
	p.ExpectSettingsAck()
	tests := []struct {
		path string
		want string // in the decoded grpc-message
	}{
		{"/" + testsvc.Name + "/Nope", "unknown method Nope for service " + testsvc.Name},
		{"/no.Such/Method", "unknown service no.Such"},
		{"/" + testsvc.Name, "malformed method name"},
		{"nope", "malformed method name"},
	}
	id := uint32(1)
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p.T = t
			p.WriteGRPCRequestHeaders(id, tt.path, false)
			p.WriteGRPCMessage(id, true, false, testsvc.Marshal(t, wrapperspb.String("x")))
			h := p.ExpectHeaders(id, true)
			if msg := checkTrailersOnly(t, h, wire.Unimplemented); !strings.Contains(msg, tt.want) {
				t.Errorf("grpc-message %q does not contain %q", msg, tt.want)
			}
			p.Settle(id, http2.ErrCodeNo)
		})
		id += 2
	}
}

func TestTrailersOnlyForHandlerErrorBeforeAnyMessage(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const msg = "100% wrong: é ☺\r\n\ttab 😈"
	svc := &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return nil, wire.Errorf(wire.NotFound, "%s", msg)
		},
		Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			return wire.Errorf(wire.FailedPrecondition, "%s", msg)
		},
	}
	p := rawConn(t, svc)
	tests := []struct {
		path string
		code wire.Code
		req  []byte
	}{
		{testsvc.EchoPath, wire.NotFound, testsvc.Marshal(t, wrapperspb.String("x"))},
		{testsvc.CountPath, wire.FailedPrecondition, testsvc.Marshal(t, wrapperspb.Int32(3))},
	}
	for i, tt := range tests {
		id := uint32(2*i + 1)
		p.WriteGRPCRequestHeaders(id, tt.path, false)
		p.WriteGRPCMessage(id, true, false, tt.req)
		h := p.ExpectHeaders(id, true)
		if got := checkTrailersOnly(t, h, tt.code); got != msg {
			t.Errorf("%s: grpc-message decodes to %q, want %q", tt.path, got, msg)
		}
		p.Settle(id, http2.ErrCodeNo)
	}
}

// TestTrailersOnlyThenResetWhenClientStillSending pins "Early Server
// Closure": the server ends a call the client has not half-closed, so
// RST_STREAM(NO_ERROR) follows the one HEADERS frame.
func TestTrailersOnlyThenResetWhenClientStillSending(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	p := rawConn(t, nil)
	p.WriteGRPCRequestHeaders(1, "/no.Such/Method", false)
	checkTrailersOnly(t, p.ExpectHeaders(1, true), wire.Unimplemented)
	p.ExpectRST(1, http2.ErrCodeNo)
}
