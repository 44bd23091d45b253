package conformance

import "testing"

// A grpcwireBug is a known way in which grpcwire disagrees with grpc-go,
// found by these tests and not yet fixed. The tables keep their rows for
// it; those rows skip, naming the bug, unless the tests are built with
// -tags grpcwire_pending (see pending_test.go), which makes them run and
// fail until the bug is fixed. Each bug also has a focused test of its own
// in pending_test.go.
type grpcwireBug struct {
	// where is the package of grpcwire that holds the bug.
	where string
	// what says what grpcwire does and what grpc-go expects instead.
	what string
}

// runPending is true when the tests are built with -tags grpcwire_pending.
var runPending = false

// skipIf skips t when cond holds, unless pending rows are asked for.
func (b grpcwireBug) skipIf(t *testing.T, cond bool) {
	t.Helper()
	if cond && !runPending {
		t.Skipf("known grpcwire bug in %s: %s (run with -tags grpcwire_pending to see it fail)", b.where, b.what)
	}
}

// The known bugs.
var (
	// bugTrailersOnlyHeaders: when a handler has set response headers
	// (SetHeader) and then fails before sending a message, the server
	// (Stream.finish in server/stream.go) puts that header metadata into
	// the Trailers-Only HEADERS frame, so clients see it as trailers and the
	// response headers come out empty. grpc-go's server sends the headers in
	// a HEADERS frame of their own, then a second HEADERS frame with the
	// status and trailers; it sends Trailers-Only only when no header
	// metadata was set (internal/transport/http2_server.go, writeStatus).
	bugTrailersOnlyHeaders = grpcwireBug{
		where: "server",
		what:  "header metadata set before an error goes out inside a Trailers-Only response, so clients read it as trailers",
	}
)
