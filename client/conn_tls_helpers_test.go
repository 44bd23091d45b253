package client_test

import (
	"testing"

	"grpcwire/internal/testkit/testsvc"
)

// testPKI and newTestPKI name the shared test PKI (internal/testkit/testsvc) as
// this package's tests know it.
type testPKI = testsvc.PKI

func newTestPKI(t testing.TB, ips bool, names ...string) *testPKI {
	return testsvc.NewPKI(t, ips, names...)
}
