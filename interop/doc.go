// Package interop is grpcwire's side of gRPC's standard interoperability
// tests (grpc/grpc doc/interop-test-descriptions.md): the grpc.testing
// TestService every interop server runs (TestServer), the client test cases
// every interop client runs (Cases, Lookup), and the test certificates both
// use with TLS (TestCAPEM, ServerTLSConfig, ClientTLSConfig).
//
// cmd/interop-server and cmd/interop-client wrap it in programs with the
// same flags as grpc-go's interop/server and interop/client, so a test
// harness written for grpc-go can run grpcwire in either role, and the
// conformance module runs every case against stock grpc-go both ways.
//
// The grpc.testing messages and services live in interop/grpc_testing,
// generated from grpcwire's own .proto files, which are wire-compatible with
// grpc/grpc's src/proto/grpc/testing: same full names and field numbers.
package interop
