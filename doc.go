// Package grpcwire is gRPC written from the wire up: the protocol of grpc/grpc
// doc/PROTOCOL-HTTP2.md implemented directly on golang.org/x/net/http2's Framer
// and hpack, with google.golang.org/protobuf for messages and nothing of grpc-go.
//
// The packages, bottom up:
//
//   - framing: the Length-Prefixed-Message (compressed flag, length, bytes) and
//     the message codecs (identity, gzip).
//   - wire: the vocabulary of gRPC over HTTP/2: status codes, the Status error,
//     metadata, grpc-timeout, grpc-message, content-type and the spec's tables.
//   - internal/transport: the HTTP/2 connection engine shared by both sides.
//   - server and client: gRPC calls of the four kinds on top of them.
package grpcwire
