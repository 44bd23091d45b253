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

// The known bugs: none at the moment. A bug found by these tests gets a
// variable here, a skipIf in the rows it breaks and a focused test in
// pending_test.go, until it is fixed.
