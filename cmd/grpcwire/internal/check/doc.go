// Package check is the catalogue of black-box checks of "grpcwire check":
// each check sends a gRPC server one request that a sentence of grpc/grpc's
// doc/PROTOCOL-HTTP2.md, statuscodes.md or compression.md (or of RFC 9113,
// where gRPC relies on HTTP/2's rules) says how to answer, and judges the
// answer frame by frame: pass, fail with what was expected and what came,
// or skip with why.
//
// The checks speak raw HTTP/2 through package rawh2, not through a gRPC
// client, because most of them send what no client library would: a
// message prefix claiming 4 GiB, a Compressed-Flag without grpc-encoding,
// a header block without te, a pseudo-header after a regular one. Every
// check has a connection of its own, so checks run in parallel and one
// check's damage (a connection the server closed) cannot spoil another's.
//
// Checks that need a method to call use what the server offers, found at
// the start (Discover): grpc.testing.TestService, which the interop server
// of every gRPC implementation serves, then grpc.health.v1.Health, then
// server reflection. The TestService checks (cardinality, message framing,
// status encoding, deadlines, flow control, compression, metadata echo,
// size limits) skip, saying why, on a server without it.
package check
