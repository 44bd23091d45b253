// Package tap watches an HTTP/2 connection it takes no part in: a Follower
// parses a copy of the bytes each side sends into frames, decodes their
// header blocks with two passive HPACK decoders (one per direction, each
// following its sender's dynamic table), and tells an observe.Observer of
// every frame, exactly as grpcwire's own engine tells of the frames it reads
// and writes. Forward joins two connections, copying every byte both ways
// unchanged while a Follower watches. It is what "grpcwire proxy" is made
// of: point any gRPC client at the proxy and the proxy at any gRPC server,
// and the trace (package trace) shows both sides' frames.
//
// Because the bytes are forwarded unchanged, neither peer's behaviour
// changes: their own SETTINGS, windows, pings and HPACK tables pass
// through. A follower therefore never enforces the protocol; it reports:
//
//   - a frame whose payload does not fit its type (a PING that is not 8
//     bytes, a padding longer than the frame), a header block another
//     frame interrupts, or an HPACK error is told to the observer with
//     observe.FrameEvent.Problem set, and parsing goes on with the next
//     frame, whose place the frame header's length gives;
//   - after an HPACK error the direction's dynamic table can no longer be
//     trusted, so its later header blocks are shown without their fields;
//   - a frame type RFC 9113 does not define is told like any other frame
//     ("Implementations MUST ignore and discard frames of unknown types");
//   - bytes that cannot be frames (no connection preface, a frame larger
//     than the receiver allows) end the parsing of that direction: the
//     follower says so once, through its note function, and ignores the
//     rest of the direction's bytes, which Forward still forwards.
//
// Memory is bounded per connection however large the messages: Forward
// copies through one fixed buffer per direction and never holds a message;
// a Follower holds at most one frame's payload per direction (no more than
// the receiver's SETTINGS_MAX_FRAME_SIZE: 16 KiB unless it announced more),
// a dynamic table of at most MaxHeaderTableSize bytes per direction, and at
// most MaxHeaderFieldBytes of the decoded fields of one header block.
//
// The settings one side announces govern how the other side's bytes are
// read: SETTINGS_HEADER_TABLE_SIZE bounds the table size updates of the
// other side's HPACK encoder, and SETTINGS_MAX_FRAME_SIZE the frames the
// other side may send. Forward parses each chunk of bytes before it
// forwards it, so a setting is known to the follower before the other side
// can act on it.
package tap
