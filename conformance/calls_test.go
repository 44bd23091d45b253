package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"grpcwire/conformance/echopb"
)

// TestCallKinds runs each of the four call kinds with zero, one and several
// messages each way, and checks every response: its payload, its place in
// the stream, what the server counted of the requests, and which server
// answered.
func TestCallKinds(t *testing.T) {
	payload := []byte("hello, \x00\xff world")
	cases := []struct {
		name string
		kind callKind
		reqs []*echopb.EchoRequest
		want int // responses
	}{
		{"unary", unaryCall, []*echopb.EchoRequest{{Payload: payload}}, 1},
		{"unary_empty", unaryCall, []*echopb.EchoRequest{{}}, 1},
		{"unary_response_size", unaryCall, []*echopb.EchoRequest{{ResponseSize: 1000}}, 1},
		{"server_stream_none", serverStreamCall, []*echopb.EchoRequest{{ResponseCount: 0}}, 0},
		{"server_stream_one", serverStreamCall, []*echopb.EchoRequest{{Payload: payload, ResponseCount: 1}}, 1},
		{"server_stream_many", serverStreamCall, []*echopb.EchoRequest{{Payload: payload, ResponseCount: 50}}, 50},
		{"client_stream_none", clientStreamCall, nil, 1},
		{"client_stream_one", clientStreamCall, []*echopb.EchoRequest{{Payload: payload}}, 1},
		{"client_stream_many", clientStreamCall, repeatRequests(50, payload), 1},
		{"bidi_none", bidiCall, nil, 0},
		{"bidi_one", bidiCall, []*echopb.EchoRequest{{Payload: payload}}, 1},
		{"bidi_many", bidiCall, repeatRequests(50, payload), 50},
		{"bidi_fan_out", bidiCall, []*echopb.EchoRequest{{Payload: payload, ResponseCount: 3}, {Payload: payload, ResponseCount: 2}}, 5},
	}
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := callContext(t)
				var out outcome
				switch tc.kind {
				case unaryCall:
					out = p.client.unary(ctx, callOpts{}, tc.reqs[0])
				case serverStreamCall:
					out = p.client.serverStream(ctx, callOpts{}, tc.reqs[0])
				case clientStreamCall:
					out = p.client.clientStream(ctx, callOpts{}, tc.reqs)
				case bidiCall:
					out = p.client.bidi(ctx, callOpts{}, tc.reqs)
				}
				if out.code != 0 {
					t.Fatalf("call failed: %v", out)
				}
				if len(out.responses) != tc.want {
					t.Fatalf("got %d responses, want %d", len(out.responses), tc.want)
				}
				var totalBytes int64
				for _, r := range tc.reqs {
					totalBytes += int64(len(r.GetPayload()))
				}
				for i, res := range out.responses {
					if res.Server != p.dir.server.serverName() {
						t.Fatalf("response %d came from %q, want %q", i, res.Server, p.dir.server.serverName())
					}
					if int(res.Index) != i {
						t.Errorf("response %d has index %d", i, res.Index)
					}
					if res.DeadlineLeftMs <= 0 {
						t.Errorf("response %d: the handler saw %d ms left; the call had a deadline", i, res.DeadlineLeftMs)
					}
					wantPayload, wantReqs, wantBytes := expectedEcho(tc.kind, tc.reqs, i)
					if !bytes.Equal(res.Payload, wantPayload) {
						t.Errorf("response %d payload %q, want %q", i, res.Payload, wantPayload)
					}
					if res.Requests != wantReqs || res.RequestBytes != wantBytes {
						t.Errorf("response %d: server counted %d request(s) of %d bytes, want %d of %d",
							i, res.Requests, res.RequestBytes, wantReqs, wantBytes)
					}
				}
			})
		}
	})
}

// repeatRequests returns n requests carrying payload with its index
// appended, so that a reordering would show.
func repeatRequests(n int, payload []byte) []*echopb.EchoRequest {
	reqs := make([]*echopb.EchoRequest, n)
	for i := range reqs {
		reqs[i] = &echopb.EchoRequest{Payload: fmt.Appendf(bytes.Clone(payload), " #%d", i)}
	}
	return reqs
}

// expectedEcho is what the i-th response of a successful call of kind k
// with reqs carries: its payload, and how many requests and payload bytes
// the server had received when it sent it.
func expectedEcho(k callKind, reqs []*echopb.EchoRequest, i int) (payload []byte, requests int32, reqBytes int64) {
	switch k {
	case clientStreamCall:
		var total int64
		for _, r := range reqs {
			total += int64(len(r.GetPayload()))
		}
		if len(reqs) == 0 {
			return nil, 0, 0
		}
		return echoPayload(reqs[len(reqs)-1]), int32(len(reqs)), total
	case bidiCall:
		// Find the request the i-th response answers.
		n := 0
		var total int64
		for j, r := range reqs {
			total += int64(len(r.GetPayload()))
			n += max(1, int(r.GetResponseCount()))
			if i < n {
				return echoPayload(r), int32(j + 1), total
			}
		}
		return nil, 0, 0
	default:
		return echoPayload(reqs[0]), 1, int64(len(reqs[0].GetPayload()))
	}
}

// echoPayload is the payload the server answers req with (see
// echoserver's payload rule).
func echoPayload(req *echopb.EchoRequest) []byte {
	n := int(req.GetResponseSize())
	if n <= 0 {
		return req.GetPayload()
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%8)
	}
	return b
}
