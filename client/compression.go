package client

import (
	"google.golang.org/protobuf/proto"

	"grpcwire/framing"
)

// SetCompressMessages turns compression of the following request messages
// on or off. The call's encoding, chosen with UseCompressor and sent once in
// grpc-encoding, stays as it is: only the per-message Compressed-Flag
// changes, which the protocol allows (grpc/grpc doc/PROTOCOL-HTTP2.md), so
// an application can send a message that does not compress well as is. On a
// call started without UseCompressor, on does nothing: there is no encoding
// to compress with. The interop case client_compressed_streaming needs it.
func (cs *Stream) SetCompressMessages(on bool) {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	cs.codec = nil
	if name := cs.co.compressor; on && name != "" && name != "identity" {
		// start checked that the codec is registered.
		cs.codec = framing.Lookup(name)
	}
}

// RecvMsgCompressed receives the next response message into m exactly as
// RecvMsg does, and also reports whether that message arrived with its
// Compressed-Flag set (the server may compress message by message; the
// interop cases server_compressed_unary and server_compressed_streaming
// check that it does as asked). The flag is false with any error.
func (cs *Stream) RecvMsgCompressed(m proto.Message) (compressed bool, err error) {
	return cs.recvMsg(m)
}
