// Package conformance runs grpcwire against stock grpc-go, in both directions,
// over loopback. It is its own module so that google.golang.org/grpc never
// enters the import graph of the grpcwire module itself. The tools its tests
// run (h2spec, grpcurl, grpc-health-probe, grpc-go's interop client and
// server, protoc-gen-go-grpc) are pinned as tool directives in its go.mod and
// built by the tests with "go tool".
package conformance
