package bench

// runPending is true when the tests are built with -tags grpcwire_pending
// (pending_test.go): rows that skip for a known grpcwire bug then run, and
// fail until the bug is fixed.
var runPending = false
