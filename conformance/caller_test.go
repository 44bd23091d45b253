package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"grpcwire/conformance/echopb"
)

// caller makes Echo calls with one library's client and reports each call's
// outcome in library-neutral terms, so that one table of expectations
// serves every direction. Each method runs one whole call.
type caller interface {
	// unary sends req and receives the one response.
	unary(ctx context.Context, o callOpts, req *echopb.EchoRequest) outcome
	// serverStream sends req and receives responses until the end.
	serverStream(ctx context.Context, o callOpts, req *echopb.EchoRequest) outcome
	// clientStream sends reqs, half-closes and receives the one response.
	clientStream(ctx context.Context, o callOpts, reqs []*echopb.EchoRequest) outcome
	// bidi sends reqs one at a time, each followed by receiving the
	// max(1, response_count) responses it asks for, then half-closes and
	// receives until the end. A failure stops it at once.
	bidi(ctx context.Context, o callOpts, reqs []*echopb.EchoRequest) outcome
	// invoke makes a unary call to any method, registered or not.
	invoke(ctx context.Context, method string, req *echopb.EchoRequest) outcome
}

// callOpts are a call's client-side options.
type callOpts struct {
	md       map[string][]string // request metadata; -bin values raw
	gzip     bool                // compress the request messages with gzip
	encoding string              // compress with this registered compressor instead
	maxRecv  int                 // limit on one response message; 0 keeps the default
}

// outcome is what the client saw of a call.
type outcome struct {
	responses []*echopb.EchoResponse
	header    map[string][]string // response headers
	trailer   map[string][]string // trailers
	code      uint32              // status code; 0 for OK
	message   string              // status message
	details   []proto.Message     // status details, unpacked
	err       error               // the library's error, for failure messages
}

// String describes the outcome for failure messages.
func (o outcome) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "code %d message %q, %d response(s), %d detail(s)", o.code, o.message, len(o.responses), len(o.details))
	if o.err != nil {
		fmt.Fprintf(&b, " (error: %v)", o.err)
	}
	return b.String()
}

// callKind names one of the four kinds, for tables that run every kind.
type callKind int

const (
	unaryCall callKind = iota
	serverStreamCall
	clientStreamCall
	bidiCall
)

var callKinds = []callKind{unaryCall, serverStreamCall, clientStreamCall, bidiCall}

func (k callKind) String() string {
	return [...]string{"unary", "server_stream", "client_stream", "bidi"}[k]
}

// call runs one call of kind k with req, sent once (unary and
// server-streaming) or as the only message of the stream.
func call(ctx context.Context, c caller, k callKind, o callOpts, req *echopb.EchoRequest) outcome {
	switch k {
	case unaryCall:
		return c.unary(ctx, o, req)
	case serverStreamCall:
		return c.serverStream(ctx, o, req)
	case clientStreamCall:
		return c.clientStream(ctx, o, []*echopb.EchoRequest{req})
	default:
		return c.bidi(ctx, o, []*echopb.EchoRequest{req})
	}
}

// expectedResponses is how many responses a call of kind k with the single
// request req produces when it succeeds.
func expectedResponses(k callKind, req *echopb.EchoRequest) int {
	switch k {
	case serverStreamCall:
		return int(req.GetResponseCount())
	case bidiCall:
		return max(1, int(req.GetResponseCount()))
	default:
		return 1
	}
}

// mustMarshal returns m's encoding.
func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
