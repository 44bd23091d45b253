package conformance

import (
	"bytes"
	"strings"
	"testing"

	"grpcwire/conformance/echopb"
	"grpcwire/wire"
)

// limit is the receive limit the size tests set on one side.
const limit = 1024

// TestClientRecvLimit sets the client's limit on one response message
// (grpc-go MaxCallRecvMsgSize, grpcwire MaxRecvMsgSize) and has the server
// send a larger one, plain and gzipped (the limit holds for the
// decompressed size): the client must fail with RESOURCE_EXHAUSTED.
func TestClientRecvLimit(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			for _, gz := range []bool{false, true} {
				name := k.String()
				if gz {
					name += "/gzip"
				}
				t.Run(name, func(t *testing.T) {
					req := &echopb.EchoRequest{ResponseSize: 64 * limit, ResponseCount: 1, CompressResponse: gz}
					out := call(callContext(t), p.client, k, callOpts{maxRecv: limit}, req)
					if out.code != uint32(wire.ResourceExhausted) {
						t.Fatalf("got %v, want RESOURCE_EXHAUSTED", out)
					}
					if len(out.responses) != 0 {
						t.Errorf("got %d responses over the limit", len(out.responses))
					}
				})
			}
		}
	})
}

// TestServerRecvLimit sets the server's limit on one request message
// (grpc.MaxRecvMsgSize, server.MaxRecvMsgSize) and sends messages at it and
// over it, plain and gzipped: those over it must fail with
// RESOURCE_EXHAUSTED from the server, those at it must pass.
func TestServerRecvLimit(t *testing.T) {
	// An EchoRequest holding only a payload of n bytes is 1 (tag) + 2
	// (length varint, for n < 16384) + n bytes.
	const atLimit = limit - 3
	cases := []struct {
		name    string
		payload int
		gzip    bool
		want    wire.Code
	}{
		{"at_limit", atLimit, false, wire.OK},
		{"one_over", atLimit + 1, false, wire.ResourceExhausted},
		{"far_over", 64 * limit, false, wire.ResourceExhausted},
		{"gzip_at_limit", atLimit, true, wire.OK},
		{"gzip_over", 64 * limit, true, wire.ResourceExhausted},
	}
	forEachDirection(t, serverConfig{maxRecv: limit}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			for _, tc := range cases {
				t.Run(k.String()+"/"+tc.name, func(t *testing.T) {
					req := &echopb.EchoRequest{Payload: bytes.Repeat([]byte("y"), tc.payload)}
					if tc.payload == atLimit && len(mustMarshal(t, req)) != limit {
						t.Fatalf("the request is %d bytes, not the limit %d", len(mustMarshal(t, req)), limit)
					}
					out := call(callContext(t), p.client, k, callOpts{gzip: tc.gzip}, req)
					if out.code != uint32(tc.want) {
						t.Fatalf("got %v, want %v", out, tc.want)
					}
					if tc.want == wire.OK && len(out.responses) != expectedResponses(k, req) {
						t.Errorf("got %d responses, want %d", len(out.responses), expectedResponses(k, req))
					}
				})
			}
		}
	})
}

// largeMessage is a payload just under the default 4 MiB receive limit of
// both libraries, leaving room for the rest of the message.
const largeMessage = 4<<20 - 1024

// TestLargeMessages sends a payload of nearly 4 MiB each way on every call
// kind, with the default limits. Under the race detector a pair of such
// messages costs a good part of a second, so grpc-go is not run against
// itself here.
func TestLargeMessages(t *testing.T) {
	payload := []byte(strings.Repeat("0123456789abcdef", largeMessage/16))
	forDirections(t, withoutGRPCGoControl, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				req := &echopb.EchoRequest{Payload: payload, ResponseCount: 1}
				out := call(callContext(t), p.client, k, callOpts{}, req)
				if out.code != 0 {
					t.Fatalf("call failed: %v", out)
				}
				if len(out.responses) != 1 {
					t.Fatalf("got %d responses, want 1", len(out.responses))
				}
				res := out.responses[0]
				if !bytes.Equal(res.Payload, payload) {
					t.Errorf("the response's payload of %d bytes differs from the %d sent", len(res.Payload), len(payload))
				}
				if res.RequestBytes != int64(len(payload)) {
					t.Errorf("the server counted %d request bytes, want %d", res.RequestBytes, len(payload))
				}
			})
		}
	})
}
