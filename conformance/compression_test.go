package conformance

import (
	"bytes"
	"testing"

	"grpcwire/conformance/echopb"
	"grpcwire/wire"
)

// compressible is the size of the payloads of the compression tests: large
// enough that gzip shrinks them to a small fraction, which tells a
// compressed message on the wire from one merely flagged as compressed.
const compressible = 16 << 10

// TestGzip compresses requests, responses or both on every call kind and
// checks the calls succeed with the right payloads and, on the wire, that
// each message's Compressed-Flag is as asked and compressed messages are
// really smaller; grpc-encoding names gzip where the messages are. A server
// answers a compressed request with compressed responses, as grpc-go does.
func TestGzip(t *testing.T) {
	cases := []struct {
		name                   string
		gzipRequest, gzipReply bool
	}{
		{"neither", false, false},
		{"request", true, false},
		{"response_only", false, true},
		{"both", true, true},
	}
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			for _, tc := range cases {
				t.Run(k.String()+"/"+tc.name, func(t *testing.T) {
					before := streamsSeen(p.tap)
					req := &echopb.EchoRequest{
						Payload:          bytes.Repeat([]byte("x"), compressible),
						ResponseSize:     compressible,
						ResponseCount:    2,
						CompressResponse: tc.gzipReply,
					}
					out := call(callContext(t), p.client, k, callOpts{gzip: tc.gzipRequest}, req)
					if out.code != 0 {
						t.Fatalf("call failed: %v", out)
					}
					if len(out.responses) != expectedResponses(k, req) {
						t.Fatalf("got %d responses, want %d", len(out.responses), expectedResponses(k, req))
					}
					for i, res := range out.responses {
						if !bytes.Equal(res.Payload, echoPayload(req)) || res.RequestBytes != compressible {
							t.Fatalf("response %d: %d payload bytes, server counted %d request bytes; want %d and %d",
								i, len(res.Payload), res.RequestBytes, compressible, compressible)
						}
					}
					checkCompressed(t, "request", newTraffic(p.tap.requests(), before), 1, tc.gzipRequest)
					checkCompressed(t, "response", newTraffic(p.tap.responses(), before), len(out.responses), tc.gzipRequest || tc.gzipReply)
				})
			}
		}
	})
}

// streamsSeen returns the ids of the streams the tap has seen so far.
func streamsSeen(tap *wireTap) map[uint32]bool {
	seen := map[uint32]bool{}
	for _, h := range tap.requests().headers {
		seen[h.stream] = true
	}
	return seen
}

// newTraffic keeps the part of tr on streams not in before.
func newTraffic(tr wireTraffic, before map[uint32]bool) wireTraffic {
	var out wireTraffic
	for _, m := range tr.messages {
		if !before[m.stream] {
			out.messages = append(out.messages, m)
		}
	}
	for _, h := range tr.headers {
		if !before[h.stream] {
			out.headers = append(out.headers, h)
		}
	}
	return out
}

// checkCompressed checks that tr holds n messages, all compressed or all
// not, and that grpc-encoding says gzip when they are.
func checkCompressed(t *testing.T, what string, tr wireTraffic, n int, compressed bool) {
	t.Helper()
	if len(tr.messages) != n {
		t.Fatalf("%s: the tap saw %d messages, want %d", what, len(tr.messages), n)
	}
	for i, m := range tr.messages {
		if m.compressed != compressed {
			t.Errorf("%s message %d: Compressed-Flag %v, want %v", what, i, m.compressed, compressed)
		}
		if compressed && m.length >= compressible/4 {
			t.Errorf("%s message %d: flagged compressed but %d bytes for %d of repetitive payload", what, i, m.length, compressible)
		}
		if !compressed && m.length < compressible {
			t.Errorf("%s message %d: %d bytes uncompressed, want at least %d", what, i, m.length, compressible)
		}
	}
	encoding := ""
	for _, h := range tr.headers {
		for _, f := range h.fields {
			if f.Name == wire.HeaderEncoding {
				encoding = f.Value
			}
		}
	}
	if compressed && encoding != "gzip" {
		t.Errorf("%s: grpc-encoding %q with compressed messages, want gzip", what, encoding)
	}
}
