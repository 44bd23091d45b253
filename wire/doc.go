// Package wire is the vocabulary of gRPC over HTTP/2: everything that appears
// in a header field, and nothing that needs a connection.
//
// It follows grpc/grpc doc/PROTOCOL-HTTP2.md, doc/statuscodes.md,
// doc/http-grpc-status-mapping.md and doc/compression.md, one concept per
// file, so that a rule of the spec can be found by guessing the file name:
//
//   - codes.go: the 17 status codes and their canonical names.
//   - status.go: Status, the one error type at the API edge, and StatusOf,
//     the one place where an internal failure becomes a status code.
//   - details.go: grpc-status-details-bin (google.rpc.Status, by hand).
//   - message.go: grpc-message percent-encoding.
//   - timeout.go: grpc-timeout.
//   - metadata.go and binary.go: Custom-Metadata and its "-bin" base64 values.
//   - contenttype.go: content-type "application/grpc[+subtype]".
//   - httpstatus.go and rststream.go: the spec's two mapping tables.
//   - headers.go: every header name; defaults.go: every default and its reason;
//     useragent.go: the structured user-agent.
//
// Nothing here parses frames or touches a socket: server, client and
// internal/transport call these functions with the header fields they read
// and write. Every parser in the package has a native fuzz target.
package wire
