package server

import (
	"context"

	"google.golang.org/protobuf/proto"

	"grpcwire/wire"
)

// ServerStream is the server's side of one call, as handlers and stream
// interceptors see it. *Stream implements it; an interceptor may wrap it to
// watch or change the messages going through.
type ServerStream interface {
	// Context carries the call's deadline (from grpc-timeout), its
	// cancellation (the client's RST_STREAM, the connection's loss, the
	// server's stop), its incoming metadata and its peer.
	Context() context.Context
	// SetHeader adds md to the response headers, which are sent with the
	// first message, by SendHeader, or with the status; after that it fails.
	SetHeader(md wire.Metadata) error
	// SendHeader sends the response headers now, with md added.
	SendHeader(md wire.Metadata) error
	// SetTrailer adds md to the trailers sent with the call's status.
	SetTrailer(md wire.Metadata)
	// SendMsg sends one response message.
	SendMsg(m proto.Message) error
	// RecvMsg receives the next request message into m; it returns io.EOF
	// once the client has half-closed and every message has been read.
	RecvMsg(m proto.Message) error
}

// ServerStreamingServer is the stream of a server-streaming handler.
type ServerStreamingServer[Res any] interface {
	// Send sends one response message.
	Send(*Res) error
	ServerStream
}

// ClientStreamingServer is the stream of a client-streaming handler.
type ClientStreamingServer[Req, Res any] interface {
	// Recv receives the next request message; io.EOF after the last one.
	Recv() (*Req, error)
	// SendAndClose sends the one response message. The handler then
	// returns nil to end the call with OK.
	SendAndClose(*Res) error
	ServerStream
}

// BidiStreamingServer is the stream of a bidirectional-streaming handler.
type BidiStreamingServer[Req, Res any] interface {
	// Recv receives the next request message; io.EOF after the last one.
	Recv() (*Req, error)
	// Send sends one response message.
	Send(*Res) error
	ServerStream
}

// GenericStream adapts a ServerStream to the typed stream interfaces. The
// typed method constructors use it; tests may use it to drive a handler.
type GenericStream[Req, Res any] struct {
	ServerStream
}

// Send sends one response message.
func (s *GenericStream[Req, Res]) Send(m *Res) error {
	return s.ServerStream.SendMsg(any(m).(proto.Message))
}

// SendAndClose sends the one response message of a client-streaming call.
func (s *GenericStream[Req, Res]) SendAndClose(m *Res) error {
	return s.ServerStream.SendMsg(any(m).(proto.Message))
}

// Recv receives the next request message.
func (s *GenericStream[Req, Res]) Recv() (*Req, error) {
	m := new(Req)
	if err := s.ServerStream.RecvMsg(any(m).(proto.Message)); err != nil {
		return nil, err
	}
	return m, nil
}
