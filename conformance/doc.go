// Package conformance runs grpcwire against stock grpc-go, in both directions,
// over loopback. It is its own module so that google.golang.org/grpc never
// enters the import graph of the grpcwire module itself.
package conformance
