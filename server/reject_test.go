package server_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// countingService is the test service with handlers that count their calls,
// so that a test of a rejected request can check that no handler ran.
func countingService(calls *atomic.Int32) *testsvc.Service {
	return &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			calls.Add(1)
			return in, nil
		},
		Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			calls.Add(1)
			return nil
		},
	}
}

// TestHTTPRejects pins the answers to requests that are not gRPC at the
// HTTP level: "If :method is not POST the server should respond with HTTP
// status 405" and "If Content-Type does not begin with 'application/grpc',
// gRPC servers SHOULD respond with HTTP status of 415"
// (PROTOCOL-HTTP2.md). The answer is a plain HTTP response that says what is
// wrong in a text body, with the gRPC status for gRPC tools; no handler
// runs.
func TestHTTPRejects(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var calls atomic.Int32
	p := rawConn(t, countingService(&calls))
	tests := []struct {
		name       string
		fields     []string
		httpStatus string
		want       string // in the body
	}{
		{"GET", []string{":method", "GET", ":scheme", "http", ":path", testsvc.EchoPath, ":authority", "localhost",
			"te", "trailers", "content-type", "application/grpc"}, "405", `not "GET"`},
		{"PUT", []string{":method", "PUT", ":scheme", "http", ":path", testsvc.EchoPath, ":authority", "localhost",
			"te", "trailers", "content-type", "application/grpc"}, "405", `not "PUT"`},
		{"text/plain", []string{":method", "POST", ":scheme", "http", ":path", testsvc.EchoPath, ":authority", "localhost",
			"te", "trailers", "content-type", "text/plain"}, "415", `not "text/plain"`},
		{"no content-type", []string{":method", "POST", ":scheme", "http", ":path", testsvc.EchoPath, ":authority", "localhost",
			"te", "trailers"}, "415", `not ""`},
		{"application/grpc-web", []string{":method", "POST", ":scheme", "http", ":path", testsvc.EchoPath, ":authority", "localhost",
			"te", "trailers", "content-type", "application/grpc-web"}, "415", "application/grpc"},
		{"application/grpc+json", []string{":method", "POST", ":scheme", "http", ":path", testsvc.EchoPath, ":authority", "localhost",
			"te", "trailers", "content-type", "application/grpc+json"}, "415", "only the proto codec"},
	}
	for i, tt := range tests {
		id := uint32(2*i + 1)
		t.Run(tt.name, func(t *testing.T) {
			p.T = t
			p.WriteHeaders(id, false, tt.fields...)
			h := p.ExpectHeaders(id, false)
			if got := h.Get(":status"); got != tt.httpStatus {
				t.Errorf(":status = %q, want %s", got, tt.httpStatus)
			}
			if ct := h.Get("content-type"); strings.HasPrefix(ct, "application/grpc") {
				t.Errorf("content-type %q: the answer is not a gRPC response", ct)
			}
			if got := h.Get("grpc-status"); got != "13" {
				t.Errorf("grpc-status = %q, want 13 (INTERNAL)", got)
			}
			body := string(p.ExpectBody(id))
			if !strings.Contains(body, tt.want) {
				t.Errorf("body %q does not say %q", body, tt.want)
			}
			// The stream is the client's to end: no RST_STREAM.
			p.ExpectNoFrame(20 * time.Millisecond)
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("handlers ran %d times for rejected requests", n)
	}
}

// TestGRPCRejects pins the requests that are gRPC but cannot be served: each
// is answered Trailers-Only with the code the spec gives, and no handler
// runs.
func TestGRPCRejects(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var calls atomic.Int32
	p := rawConn(t, countingService(&calls))
	echoReq := testsvc.Marshal(t, wrapperspb.String("x"))
	countReq := testsvc.Marshal(t, wrapperspb.Int32(1))
	tests := []struct {
		name   string
		path   string
		extra  []string // request header fields
		msgs   [][]byte // request messages; the last one half-closes
		status string   // :status
		code   wire.Code
		want   string   // in grpc-message
		fields []string // response fields beyond the Trailers-Only ones
	}{
		// compression.md: "If a client message is compressed by an algorithm
		// that is not supported by a server, the message will result in an
		// UNIMPLEMENTED error status on the server. The server will then
		// include a grpc-accept-encoding response header which specifies the
		// algorithms that the server accepts."
		{name: "unknown grpc-encoding", path: testsvc.EchoPath, extra: []string{"grpc-encoding", "br"},
			msgs: [][]byte{echoReq}, status: "200", code: wire.Unimplemented, want: `"br" is not supported`,
			fields: []string{"grpc-accept-encoding"}},
		// grpc-timeout: "TimeoutValue → {positive integer as ASCII string of
		// at most 8 digits}"; a malformed one is INTERNAL with HTTP 400.
		{name: "grpc-timeout without unit", path: testsvc.EchoPath, extra: []string{"grpc-timeout", "100"},
			msgs: [][]byte{echoReq}, status: "400", code: wire.Internal, want: "malformed grpc-timeout"},
		{name: "grpc-timeout of 9 digits", path: testsvc.EchoPath, extra: []string{"grpc-timeout", "123456789m"},
			msgs: [][]byte{echoReq}, status: "400", code: wire.Internal, want: "more than 8 digits"},
		{name: "grpc-timeout negative", path: testsvc.EchoPath, extra: []string{"grpc-timeout", "-1S"},
			msgs: [][]byte{echoReq}, status: "400", code: wire.Internal, want: "malformed grpc-timeout"},
		{name: "grpc-timeout unknown unit", path: testsvc.EchoPath, extra: []string{"grpc-timeout", "1d"},
			msgs: [][]byte{echoReq}, status: "400", code: wire.Internal, want: "unit"},
		// statuscodes.md: "Request cardinality violation (method requires
		// exactly one request but client sent some other number of
		// requests) | UNIMPLEMENTED".
		{name: "unary without request", path: testsvc.EchoPath,
			status: "200", code: wire.Unimplemented, want: "cardinality"},
		{name: "unary with two requests", path: testsvc.EchoPath, msgs: [][]byte{echoReq, echoReq},
			status: "200", code: wire.Unimplemented, want: "cardinality"},
		{name: "server-streaming without request", path: testsvc.CountPath,
			status: "200", code: wire.Unimplemented, want: "cardinality"},
		{name: "server-streaming with two requests", path: testsvc.CountPath, msgs: [][]byte{countReq, countReq},
			status: "200", code: wire.Unimplemented, want: "cardinality"},
		{name: "malformed binary metadata", path: testsvc.EchoPath, extra: []string{"x-bin", "!!!"},
			msgs: [][]byte{echoReq}, status: "200", code: wire.Internal, want: "malformed binary metadata"},
	}
	for i, tt := range tests {
		id := uint32(2*i + 1)
		t.Run(tt.name, func(t *testing.T) {
			p.T = t
			p.WriteGRPCRequestHeaders(id, tt.path, len(tt.msgs) == 0, tt.extra...)
			for j, m := range tt.msgs {
				p.WriteGRPCMessage(id, j == len(tt.msgs)-1, false, m)
			}
			h := p.ExpectHeaders(id, true)
			if tt.status != "200" {
				// checkTrailersOnly insists on 200.
				if got := h.Get(":status"); got != tt.status {
					t.Errorf(":status = %q, want %s", got, tt.status)
				}
				if got, want := h.Get("grpc-status"), itoa(tt.code); got != want {
					t.Errorf("grpc-status = %q, want %s", got, want)
				}
				if msg := wire.DecodeMessage(h.Get("grpc-message")); !strings.Contains(msg, tt.want) {
					t.Errorf("grpc-message %q does not contain %q", msg, tt.want)
				}
				p.Settle(id, http2.ErrCodeNo)
				return
			}
			p.Settle(id, http2.ErrCodeNo)
			msg := checkTrailersOnly(t, h, tt.code, tt.fields...)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("grpc-message %q does not contain %q", msg, tt.want)
			}
			if len(tt.fields) > 0 {
				if ae := h.Get("grpc-accept-encoding"); !strings.Contains(ae, "gzip") {
					t.Errorf("grpc-accept-encoding %q does not list gzip", ae)
				}
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("handlers ran %d times for rejected requests", n)
	}
}

// TestGRPCTimeoutZero: a call whose deadline has already passed when it
// arrives fails with DEADLINE_EXCEEDED without reaching its handler.
func TestGRPCTimeoutZero(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var calls atomic.Int32
	p := rawConn(t, countingService(&calls))
	p.WriteGRPCRequestHeaders(1, testsvc.EchoPath, false, "grpc-timeout", "0n")
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("x")))
	checkTrailersOnly(t, p.ExpectHeaders(1, true), wire.DeadlineExceeded)
	if n := calls.Load(); n != 0 {
		t.Errorf("the handler ran %d times for an expired call", n)
	}
}
