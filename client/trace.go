package client

import (
	"io"

	"grpcwire/observe"
	"grpcwire/trace"
)

// WithTrace prints every frame of every connection the client makes to w as
// it is read or written, with decoded headers and messages (see package
// trace for the format and the options). It is the frame trace of
// users-client -trace, for watching a call on the wire beside grpc/grpc
// doc/PROTOCOL-HTTP2.md; it is built on WithFrameObserver, which it replaces.
func WithTrace(w io.Writer, opts ...trace.Option) Option {
	t := trace.New(w, opts...)
	return WithFrameObserver(func(ci ConnInfo) observe.Observer {
		return t.Conn(trace.Client, ci.LocalAddr, ci.ServerLabel(), ci.Start)
	})
}

// ServerLabel names the server end of a traced connection: the address it
// went to. A TCP socket's remote address is that address; a Unix socket's is
// named as in a target ("unix:/run/users.sock"), since its bare path (or,
// for the abstract namespace, "@name") would not say what it is.
func (ci ConnInfo) ServerLabel() string {
	if ci.Address.Network == "unix" || ci.RemoteAddr == "" {
		return ci.Address.String()
	}
	return ci.RemoteAddr
}
