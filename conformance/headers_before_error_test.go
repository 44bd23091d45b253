package conformance

import (
	"testing"

	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echoserver"
	"grpcwire/wire"
)

// TestTrailersOnlyHeaders pins what was once a grpcwire bug: a
// grpcwire handler sets a response header, then fails before sending a
// message. grpc-go's server would send two HEADERS frames, the first with
// :status 200, content-type and the header metadata, the second with
// END_STREAM, grpc-status and grpc-message; grpc-go's client then reports
// the metadata as headers. grpcwire used to send one Trailers-Only frame
// holding everything.
func TestTrailersOnlyHeaders(t *testing.T) {
	checkNoLeaks(t)
	p := startPair(t, direction{client: grpcGo, server: grpcWire}, serverConfig{})
	md := map[string][]string{echoserver.EchoHeaderPrefix: {"before the error"}}
	req := &echopb.EchoRequest{Status: &echopb.ResponseStatus{Code: int32(wire.NotFound), Message: "no"}}
	out := p.client.unary(callContext(t), callOpts{md: md}, req)
	if out.code != uint32(wire.NotFound) {
		t.Fatalf("got %v, want NOT_FOUND", out)
	}
	checkMetadata(t, "response headers", out.header, md)
	frames := p.tap.responses().headers
	if len(frames) != 2 {
		t.Fatalf("the server sent %d HEADERS frames, want 2 (headers, then trailers)", len(frames))
	}
	for _, f := range frames[0].fields {
		if f.Name == wire.HeaderGRPCStatus {
			t.Errorf("the first HEADERS frame carries grpc-status: it is a Trailers-Only response")
		}
	}
}
