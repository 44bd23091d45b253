package server_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestStreamMethodEnforcesOneRequest: a method of a one-request kind
// (unary, server-streaming) written on the untyped stream still gets
// "Request cardinality violation [...] UNIMPLEMENTED" from the server when
// the client sends no request or two, as StreamMethod promises, and its
// second RecvMsg reports io.EOF after the one.
func TestStreamMethodEnforcesOneRequest(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	secondRecv := make(chan error, 4)
	handler := func(st server.ServerStream) error {
		in := new(wrapperspb.StringValue)
		if err := st.RecvMsg(in); err != nil {
			return err
		}
		secondRecv <- st.RecvMsg(new(wrapperspb.StringValue))
		return st.SendMsg(in)
	}
	srv := server.New()
	srv.Register(&server.ServiceDesc{Name: "raw.Raw", Methods: []server.MethodDesc{
		server.StreamMethod("Unary", server.Unary, handler),
		server.StreamMethod("ServerStreaming", server.ServerStreaming, handler),
	}})
	p := testsvc.RawClient(t, testsvc.Serve(t, srv))
	p.Handshake()
	req := testsvc.Marshal(t, wrapperspb.String("x"))
	id := uint32(1)
	for _, path := range []string{"/raw.Raw/Unary", "/raw.Raw/ServerStreaming"} {
		// One request: fine, and the handler's second read is io.EOF.
		p.WriteGRPCRequestHeaders(id, path, false)
		p.WriteGRPCMessage(id, true, false, req)
		p.ExpectHeaders(id, false)
		p.ExpectGRPCMessage(id)
		p.ExpectGRPCStatus(id, 0)
		p.Settle(id, http2.ErrCodeNo)
		if err := <-secondRecv; !errors.Is(err, io.EOF) {
			t.Errorf("%s: the handler's second RecvMsg = %v, want io.EOF", path, err)
		}
		id += 2

		// None.
		p.WriteGRPCRequestHeaders(id, path, true)
		if msg := checkTrailersOnly(t, p.ExpectHeaders(id, true), wire.Unimplemented); !strings.Contains(msg, "cardinality") {
			t.Errorf("%s without request: grpc-message %q", path, msg)
		}
		p.Settle(id, http2.ErrCodeNo)
		id += 2

		// Two.
		p.WriteGRPCRequestHeaders(id, path, false)
		p.WriteGRPCMessage(id, false, false, req)
		p.WriteGRPCMessage(id, true, false, req)
		if msg := checkTrailersOnly(t, p.ExpectHeaders(id, true), wire.Unimplemented); !strings.Contains(msg, "cardinality") {
			t.Errorf("%s with two requests: grpc-message %q", path, msg)
		}
		p.Settle(id, http2.ErrCodeNo)
		id += 2
	}
}
