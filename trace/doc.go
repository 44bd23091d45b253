// Package trace prints every HTTP/2 frame of a grpcwire connection as it is
// read or written, so that a call can be followed frame by frame beside
// grpc/grpc doc/PROTOCOL-HTTP2.md and RFC 9113. It is what the -trace flag of
// users-server and users-client prints, and library users get the same with
// server.Trace and client.WithTrace.
//
// Each frame is one line, then indented detail:
//
//	+0.000412s  c1 -> HEADERS       stream=1 flags=END_HEADERS len=87  # Request-Headers
//	                  :method = POST
//	                  :path = /users.Users/CreateUser
//	                  ip = <redacted, 9 bytes>
//	+0.000433s  c1 -> DATA          stream=1 flags=END_STREAM len=10  # EOS
//	                  Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest
//	                    username: "tom"
//
// The line starts with the time since the connection began (OmitTimes leaves
// it out, for tests and documentation), the connection's number in this
// Tracer (c1, c2, ... in the order connections were made), the direction ("->"
// written by this side, "<-" read from the peer), the frame type, and the
// frame header's stream id, flags and payload length. After "#" comes the
// spec's name for what the frame carries, where it has one.
//
// The detail depends on the type:
//
//   - HEADERS: the header fields as HPACK-decoded, one "name = value" per
//     line, in wire order. Custom-Metadata values are redacted unless
//     ShowValues is given, because metadata often carries credentials; the
//     protocol's own fields (pseudo-headers, content-type, te, user-agent,
//     grpc-*) are always shown. Binary (-bin) values are shown as they
//     travel, in base64. grpc-status is annotated with its code's name,
//     grpc-timeout with its duration and grpc-message with its decoded text.
//   - DATA: the Length-Prefixed-Messages found in it: Compressed-Flag,
//     Message-Length and, once the whole message has arrived, the message in
//     protobuf text format. "DATA frame boundaries have no relation to
//     Length-Prefixed-Message boundaries", so each stream and direction keeps
//     its own reassembly state: a message may span frames and a frame may hold
//     several messages. The message type comes from the stream's :path: the
//     service and method are looked up in protoregistry.GlobalFiles, so any
//     service whose generated code is linked into the program is decoded.
//     Compressed messages are decompressed with the stream's grpc-encoding.
//   - SETTINGS: one "NAME = value" line per parameter.
//   - RST_STREAM and GOAWAY: the error code's name on the frame line (and
//     GOAWAY's last stream id and debug data); WINDOW_UPDATE its increment;
//     PING its 8 bytes of opaque data in hex.
//
// Memory is bounded: at most MaxMessageSize bytes of one message are kept
// for decoding, and at most DefaultMaxStreams streams per connection are
// followed at once (the others are shown frame by frame, without their
// messages decoded).
//
// Besides the text, a Tracer writes the same trace, decoded once, to any
// number of structured outputs: JSONTo writes one JSON object per line (a
// connection, a frame with its decoded fields and messages, a note), and
// HTMLTo a self-contained HTML page drawing each connection as a sequence
// diagram. New(nil, ...) writes no text. A trace taken at a Proxy (package
// tap, grpcwire proxy) reads as one taken at the client, "->" being the
// client's frames; ConnTrace.Note adds what the watcher saw that is not a
// frame, and FindMethods lets a program that learns the services at run
// time decode their messages. Messages of a type the Tracer cannot find are
// shown by their first bytes.
//
// The connection's reader and writer goroutines call the observer at the same
// time; a Tracer serializes them, writing each frame with its detail in one
// Write call, so that lines never interleave, even across connections sharing
// one Tracer. The connection waits while a frame is printed: tracing is for
// studying and debugging, not for production traffic. Errors writing to the
// io.Writer are ignored, since a trace must never fail a call.
package trace
