package conformance

import (
	"testing"

	"grpcwire/conformance/echopb"
	"grpcwire/wire"
)

// TestUnknownMethod calls a method the server's Echo does not have and a
// service it does not know: both must fail with UNIMPLEMENTED
// (doc/statuscodes.md), while a call to a known method by its full name
// still works.
func TestUnknownMethod(t *testing.T) {
	cases := []struct {
		method string
		want   wire.Code
	}{
		{echopb.Echo_Unary_FullMethodName, wire.OK},
		{"/grpcwire.conformance.Echo/Missing", wire.Unimplemented},
		{"/grpcwire.conformance.NoSuchService/Unary", wire.Unimplemented},
	}
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, tc := range cases {
			t.Run(tc.method, func(t *testing.T) {
				out := p.client.invoke(callContext(t), tc.method, &echopb.EchoRequest{Payload: []byte("x")})
				if out.code != uint32(tc.want) {
					t.Fatalf("got %v, want %v", out, tc.want)
				}
				if tc.want == wire.OK && (len(out.responses) != 1 || string(out.responses[0].Payload) != "x") {
					t.Errorf("got %d responses, want the echo", len(out.responses))
				}
			})
		}
	})
}
