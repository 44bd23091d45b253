// Package framing reads and writes the gRPC Length-Prefixed-Message of grpc/grpc
// doc/PROTOCOL-HTTP2.md, section "Requests":
//
//	Length-Prefixed-Message → Compressed-Flag Message-Length Message
//	Compressed-Flag → 0 / 1   # encoded as 1 byte unsigned integer
//	Message-Length → {length of Message}   # encoded as 4 byte unsigned integer (big endian)
//	Message → *{binary octet}
//
// The package knows bytes and nothing else: not HTTP/2 (the caller hands it the
// concatenated payload of a stream's DATA frames as an io.Reader, because "DATA
// frame boundaries have no relation to Length-Prefixed-Message boundaries") and
// not protobuf (messages are opaque byte slices).
//
// Writing is a pair of append functions so that a caller can frame many
// messages into one reusable buffer: AppendMessage copies a finished message,
// while BeginMessage and FinishMessage let a marshaller write the message
// straight into the frame buffer. Reading is a Reader that reassembles whole
// messages from reads of any size and enforces the receive size limit on the
// declared length before it allocates anything.
//
// Compression is per message ("Compression contexts are NOT maintained over
// message boundaries") and pluggable through Codec; Identity and Gzip are
// registered from the start, and Lookup finds a codec by its grpc-encoding
// token.
//
// Every failure is one of a few distinct errors (see errors.go) so that the
// layer above can map each to a gRPC status code in one place: a size limit is
// RESOURCE_EXHAUSTED, everything else is INTERNAL.
package framing
