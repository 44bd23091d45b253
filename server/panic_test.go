package server_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestHandlerPanicFailsOnlyItsCall: a panicking handler ends its own call
// with INTERNAL, before and after it sent a message, while calls on the same
// connection, in flight or later, go on.
func TestHandlerPanicFailsOnlyItsCall(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	svc := &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			if in.Value == "panic" {
				panic("handler bug")
			}
			return in, nil
		},
		Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			st.Send(wrapperspb.Int32(0))
			var m map[string]int
			m["nil map"]++ // a runtime error, not a panic(value)
			return nil
		},
	}
	p := rawConn(t, svc)
	// A streaming call in flight on stream 1 while others panic.
	p.WriteGRPCRequestHeaders(1, testsvc.ChatPath, false)
	p.WriteGRPCMessage(1, false, false, testsvc.Marshal(t, wrapperspb.String("before")))
	p.ExpectHeaders(1, false)
	p.ExpectGRPCMessage(1)

	p.WriteGRPCRequestHeaders(3, testsvc.EchoPath, false)
	p.WriteGRPCMessage(3, true, false, testsvc.Marshal(t, wrapperspb.String("panic")))
	msg := checkTrailersOnly(t, p.ExpectHeaders(3, true), wire.Internal)
	p.Settle(3, http2.ErrCodeNo)
	if !strings.Contains(msg, "panicked") || !strings.Contains(msg, testsvc.EchoPath) {
		t.Errorf("grpc-message %q should say that the handler of %s panicked", msg, testsvc.EchoPath)
	}
	if strings.Contains(msg, "handler bug") {
		t.Errorf("grpc-message %q leaks the panic value to the client", msg)
	}

	p.WriteGRPCRequestHeaders(5, testsvc.CountPath, false)
	p.WriteGRPCMessage(5, true, false, testsvc.Marshal(t, wrapperspb.Int32(1)))
	p.ExpectHeaders(5, false)
	p.ExpectGRPCMessage(5)
	p.ExpectGRPCStatus(5, int(wire.Internal))
	p.Settle(5, http2.ErrCodeNo)

	// The call in flight and a new one still work.
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("after")))
	p.ExpectGRPCMessage(1)
	p.ExpectGRPCStatus(1, 0)
	p.Settle(1, http2.ErrCodeNo)
	p.WriteGRPCRequestHeaders(7, testsvc.EchoPath, false)
	p.WriteGRPCMessage(7, true, false, testsvc.Marshal(t, wrapperspb.String("ok")))
	p.ExpectHeaders(7, false)
	m, _ := p.ExpectGRPCMessage(7)
	var got wrapperspb.StringValue
	testsvc.Unmarshal(t, m.Data, &got)
	if got.Value != "ok" {
		t.Errorf("call after the panic answered %q, want %q", got.Value, "ok")
	}
	p.ExpectGRPCStatus(7, 0)
}
