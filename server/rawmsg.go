package server

import (
	"io"

	"grpcwire/internal/bufpool"
	"grpcwire/wire"
)

// RecvRawMsg receives the next request message without decoding it: it
// returns the message's protobuf encoding, decompressed if it came
// compressed, read into buf when cap(buf) is large enough and into a new
// slice otherwise. The slice belongs to the caller, who passes it back as
// buf to read the next message into the same memory.
//
// It is for handlers that decode large messages themselves, with
// google.golang.org/protobuf/encoding/protowire, so as to use a bytes field
// where it lies: RecvMsg has protobuf copy every bytes field out of the
// message buffer into a slice of its own, one more copy of every byte of a
// file's chunk, and an allocation per message. With RecvRawMsg the bytes of
// a message are copied once in this process, from the DATA frames that
// carried them into buf.
//
// Errors, io.EOF and the one-request rule of unary and server-streaming
// methods are RecvMsg's. Interceptors that watch RecvMsg do not see the
// messages received this way.
func (st *Stream) RecvRawMsg(buf []byte) ([]byte, error) {
	if !st.kind.ClientStreams() && st.gotRequest {
		return nil, io.EOF
	}
	msg, _, err := st.reader.ReadMessage(buf[:0])
	if err != nil {
		if err == io.EOF {
			if !st.kind.ClientStreams() {
				return nil, wire.Errorf(wire.Unimplemented, "request cardinality violation: the client half-closed without sending the one request message %s requires", st.method)
			}
			return nil, io.EOF
		}
		return nil, st.recvError(err)
	}
	if !st.kind.ClientStreams() {
		st.gotRequest = true
		if err := st.onlyRequest(); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// onlyRequest reads on after the one request message of a unary or
// server-streaming call, to its half-close: one more message is a
// cardinality violation (doc/statuscodes.md, UNIMPLEMENTED).
func (st *Stream) onlyRequest() error {
	extra, _, err := st.reader.ReadMessage(nil)
	bufpool.PutSlice(extra)
	switch {
	case err == io.EOF:
		return nil
	case err == nil:
		return wire.Errorf(wire.Unimplemented, "request cardinality violation: the client sent more than the one request message %s requires", st.method)
	default:
		return st.recvError(err)
	}
}

// RawMsgReceiver is a stream that can receive request messages undecoded.
// *Stream implements it; a stream interceptor's wrapper may too.
type RawMsgReceiver interface {
	// RecvRawMsg receives the next request message's protobuf encoding
	// into buf, as Stream.RecvRawMsg does.
	RecvRawMsg(buf []byte) ([]byte, error)
}

// RecvRawMsg receives the next request message of the call behind s
// undecoded, as Stream.RecvRawMsg does. s is the stream a handler was
// given, typed or not: RecvRawMsg looks through the wrappers that say what
// they wrap with an Unwrap method (GenericStream, which the typed stubs
// use, does) for one that is a RawMsgReceiver. A generated handler reaches
// the raw messages with
//
//	msg, err := server.RecvRawMsg(stream, buf)
//
// It fails with INTERNAL when no stream in the chain can do it.
func RecvRawMsg(s ServerStream, buf []byte) ([]byte, error) {
	for s != nil {
		if r, ok := s.(RawMsgReceiver); ok {
			return r.RecvRawMsg(buf)
		}
		u, ok := s.(interface{ Unwrap() ServerStream })
		if !ok {
			return nil, wire.Errorf(wire.Internal, "grpcwire: the stream %T cannot receive raw messages: it is no server.RawMsgReceiver and wraps nothing (no Unwrap method)", s)
		}
		s = u.Unwrap()
	}
	return nil, wire.Errorf(wire.Internal, "grpcwire: no stream to receive raw messages from")
}
