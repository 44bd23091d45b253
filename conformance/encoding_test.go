package conformance

import (
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc/encoding"

	"grpcwire/conformance/echopb"
	"grpcwire/framing"
	"grpcwire/wire"
)

// Each library gets a compressor of its own that the other does not know:
// a client that compresses with it meets a server without it in the
// interop directions, and one with it in the controls. Both pass bytes
// through unchanged; only their names matter.
const (
	grpcGoOnlyEncoding   = "conformance-grpcgo-only"
	grpcWireOnlyEncoding = "conformance-grpcwire-only"
)

func init() {
	encoding.RegisterCompressor(passThroughCompressor{})
	framing.Register(passThroughCodec{})
}

// passThroughCompressor is grpc-go's side (encoding.Compressor).
type passThroughCompressor struct{}

func (passThroughCompressor) Name() string { return grpcGoOnlyEncoding }
func (passThroughCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	return nopWriteCloser{w}, nil
}
func (passThroughCompressor) Decompress(r io.Reader) (io.Reader, error) { return r, nil }

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// passThroughCodec is grpcwire's side (framing.Codec).
type passThroughCodec struct{}

func (passThroughCodec) Name() string { return grpcWireOnlyEncoding }
func (passThroughCodec) AppendCompressed(dst, src []byte) ([]byte, error) {
	return append(dst, src...), nil
}
func (passThroughCodec) AppendDecompressed(dst, src []byte, limit int) ([]byte, error) {
	if limit >= 0 && len(src) > limit {
		return nil, &framing.TooLargeError{Length: int64(len(src)), Limit: limit, Decompressed: true}
	}
	return append(dst, src...), nil
}

// TestUnknownEncoding sends a request compressed with an encoding the
// server does not support: it must fail with UNIMPLEMENTED, naming the
// encoding ("grpc-encoding ... not supported": PROTOCOL-HTTP2.md, "If a
// client message is compressed by an algorithm that is not supported by a
// server, the message will result in an UNIMPLEMENTED error status on the
// server"). In the controls the server knows the encoding and the call
// passes.
func TestUnknownEncoding(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		name := grpcGoOnlyEncoding
		if p.dir.client == grpcWire {
			name = grpcWireOnlyEncoding
		}
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				out := call(callContext(t), p.client, k, callOpts{encoding: name}, &echopb.EchoRequest{Payload: []byte("x")})
				if !p.dir.interop() {
					if out.code != 0 {
						t.Fatalf("the server knows %s, yet: %v", name, out)
					}
					return
				}
				if out.code != uint32(wire.Unimplemented) {
					t.Fatalf("got %v, want UNIMPLEMENTED", out)
				}
				if !strings.Contains(out.message, name) {
					t.Errorf("the message %q does not name the encoding %s", out.message, name)
				}
			})
		}
		if p.dir.interop() && p.dir.server == grpcWire {
			// grpcwire's server also lists what it accepts, as
			// doc/compression.md asks ("The server will then include in
			// its response a grpc-accept-encoding header specifying the
			// algorithms it does accept", and that header "MUST NOT
			// contain the compression method (encoding) used"); grpc-go's
			// server sends no such header.
			for _, h := range p.tap.responses().headers {
				accept := ""
				for _, f := range h.fields {
					if f.Name == wire.HeaderAcceptEncoding {
						accept = f.Value
					}
				}
				if !strings.Contains(accept, "gzip") || strings.Contains(accept, name) {
					t.Errorf("the response on stream %d has grpc-accept-encoding %q; want gzip listed and not %s", h.stream, accept, name)
				}
			}
		}
	})
}
