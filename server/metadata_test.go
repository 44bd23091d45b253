package server_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestRequestMetadataAsHandlersSeeIt pins the receiving side of
// Custom-Metadata: binary values are split on "," and decoded whether
// padded or not ("Implementations must split Binary-Headers on "," before
// decoding the Base64-encoded values"), repeated keys keep every value in
// order, user-agent is shown, and the protocol's own fields are not.
func TestRequestMetadataAsHandlersSeeIt(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	seen := make(chan wire.Metadata, 1)
	p := rawConn(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			seen <- server.MetadataFromContext(ctx)
			return in, nil
		},
	})
	p.WriteGRPCRequestHeaders(1, testsvc.EchoPath, false,
		"user-agent", "scripted/1.0",
		"x-bin", "AAH+,/w==",
		"x-bin", "/w",
		"x-multi", "one",
		"x-multi", "two, three",
		"grpc-timeout", "10S",
	)
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("x")))
	p.ExpectHeaders(1, false)
	p.ExpectGRPCMessage(1)
	p.ExpectGRPCStatus(1, 0)
	md := <-seen
	for _, tt := range []struct {
		key  string
		want []string
	}{
		{"x-bin", []string{"\x00\x01\xfe", "\xff", "\xff"}},
		{"x-multi", []string{"one", "two, three"}},
		{"user-agent", []string{"scripted/1.0"}},
	} {
		if got := md.Get(tt.key); !slices.Equal(got, tt.want) {
			t.Errorf("handler metadata %s = %q, want %q", tt.key, got, tt.want)
		}
	}
	for _, reserved := range []string{":path", ":authority", "content-type", "te", "grpc-timeout"} {
		if md.Get(reserved) != nil {
			t.Errorf("handler metadata shows the protocol's %s", reserved)
		}
	}
}
