package server_test

import (
	"context"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// TestSendCompressorNotAccepted: a handler that asks for gzip when the
// client's grpc-accept-encoding does not list it gets its response sent
// uncompressed and the call succeeds. grpc/grpc doc/compression.md: "For
// every message a server is requested to compress using an algorithm it
// knows the client doesn't support (as indicated by the last
// grpc-accept-encoding header received from the client), it SHALL send the
// message uncompressed."
func TestSendCompressorNotAccepted(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	p := rawConn(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			if err := server.SetSendCompressor(ctx, "gzip"); err != nil {
				return nil, err
			}
			return in, nil
		},
	})
	for i, accept := range [][]string{{"grpc-accept-encoding", "identity"}, nil} {
		id := uint32(1 + 2*i)
		p.WriteGRPCRequestHeaders(id, testsvc.EchoPath, false, accept...)
		p.WriteGRPCMessage(id, true, false, testsvc.Marshal(t, wrapperspb.String("plain")))
		h := p.ExpectHeaders(id, false)
		if enc := h.Get("grpc-encoding"); enc != "" && enc != "identity" {
			t.Errorf("accept %q: response grpc-encoding %q, want none", accept, enc)
		}
		msg, _ := p.ExpectGRPCMessage(id)
		if msg.Compressed {
			t.Errorf("accept %q: the response message is compressed", accept)
		}
		var v wrapperspb.StringValue
		testsvc.Unmarshal(t, msg.Data, &v)
		if v.Value != "plain" {
			t.Errorf("accept %q: response %q, want plain", accept, v.Value)
		}
		p.ExpectGRPCStatus(id, 0)
	}
}
