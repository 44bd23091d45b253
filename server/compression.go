package server

import (
	"grpcwire/internal/bufpool"
	"io"

	"google.golang.org/protobuf/proto"

	"grpcwire/wire"
)

// RecvMsgCompressed receives the next request message into m exactly as
// RecvMsg does, one-request enforcement for unary and server-streaming
// methods included, and also reports whether that message arrived with its
// Compressed-Flag set. The flag is per message (grpc/grpc
// doc/PROTOCOL-HTTP2.md, Length-Prefixed-Message), so a client may send some
// messages of a stream compressed and others not; the interop cases
// client_compressed_unary and client_compressed_streaming check that a
// server can tell them apart. The flag is false with any error.
func (st *Stream) RecvMsgCompressed(m proto.Message) (compressed bool, err error) {
	if st.kind.ClientStreams() {
		return st.recvMsgCompressed(m)
	}
	if st.gotRequest {
		return false, io.EOF
	}
	compressed, err = st.recvMsgCompressed(m)
	if err != nil {
		if err == io.EOF {
			return false, wire.Errorf(wire.Unimplemented, "request cardinality violation: the client half-closed without sending the one request message %s requires", st.method)
		}
		return false, err
	}
	st.gotRequest = true
	if err := st.onlyRequest(); err != nil {
		return false, err
	}
	return compressed, nil
}

// recvMsgCompressed is recvMsg keeping the Compressed-Flag.
func (st *Stream) recvMsgCompressed(m proto.Message) (bool, error) {
	msg, compressed, err := st.reader.ReadMessage(nil)
	if err != nil {
		if err == io.EOF {
			return false, io.EOF
		}
		return false, st.recvError(err)
	}
	err = unmarshalOpts.Unmarshal(msg, m)
	bufpool.PutSlice(msg) // from the pool (Reader.SetAlloc), or dropped
	if err != nil {
		return false, wire.Errorf(wire.Internal, "grpcwire: cannot parse the request message as %s: %v", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return compressed, nil
}

// Unwrap returns the stream s adapts, so that code holding a typed stream
// can reach methods of *Stream that the ServerStream interface leaves out,
// such as RecvMsgCompressed and SetCompressMessages.
func (s *GenericStream[Req, Res]) Unwrap() ServerStream { return s.ServerStream }
