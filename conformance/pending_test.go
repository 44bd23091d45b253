//go:build grpcwire_pending

package conformance

// Built with -tags grpcwire_pending, the table rows marked with a
// grpcwireBug (bugs_test.go) run instead of skipping, and focused tests of
// known bugs, kept here, run too; they fail until grpcwire is fixed. There
// are none at the moment.

func init() { runPending = true }
