package server

import (
	"io"

	"grpcwire/observe"
	"grpcwire/trace"
)

// Trace prints every frame of every connection to w as it is read or
// written, with decoded headers and messages (see package trace for the
// format and the options). It is the frame trace of users-server -trace,
// for watching a call on the wire beside grpc/grpc doc/PROTOCOL-HTTP2.md; it
// is built on FrameObserver, which it replaces.
func Trace(w io.Writer, opts ...trace.Option) Option {
	t := trace.New(w, opts...)
	return FrameObserver(func(ci ConnInfo) observe.Observer {
		return t.Conn(trace.Server, ci.LocalAddr, ci.RemoteAddr, ci.Start)
	})
}
