package client

import (
	"grpcwire/wire"
)

// A CallOption changes one call: the metadata it sends, where its response
// headers and trailers go, its compression, its limits.
type CallOption interface {
	apply(*callOptions)
}

// callOptions is the resolved set of a call's options.
type callOptions struct {
	md           wire.Metadata  // sent as request headers
	header       *wire.Metadata // receives the response headers
	trailer      *wire.Metadata // receives the trailers
	compressor   string         // grpc-encoding of request messages; "" = none
	maxRecv      int            // max receive message size; 0 = the Conn's
	maxSend      int            // max send message size; 0 = the Conn's
	waitForReady bool           // block until the connection is up instead of failing fast
	waitSet      bool           // waitForReady was set by this call
}

type callOptionFunc func(*callOptions)

func (f callOptionFunc) apply(o *callOptions) { f(o) }

// WithMetadata sends md as request headers. Reserved names (pseudo-headers,
// content-type, te, user-agent, grpc-* protocol headers; see
// wire.IsReservedHeader) are not application metadata: they are skipped, as
// grpc-go skips them, since the client writes those fields itself. A key or
// an ASCII value that cannot be sent (wire.ValidateKey, wire.ValidateValue)
// fails the call with INTERNAL before anything is sent. -bin values are
// sent base64-encoded. Several WithMetadata options add up.
func WithMetadata(md wire.Metadata) CallOption {
	return callOptionFunc(func(o *callOptions) {
		if o.md == nil {
			o.md = md.Copy()
			return
		}
		for k, vs := range md {
			o.md.Append(k, vs...)
		}
	})
}

// Header stores the call's response headers in *md once they arrive (empty
// for a Trailers-Only response).
func Header(md *wire.Metadata) CallOption {
	return callOptionFunc(func(o *callOptions) { o.header = md })
}

// Trailer stores the call's trailers in *md once the call ends.
func Trailer(md *wire.Metadata) CallOption {
	return callOptionFunc(func(o *callOptions) { o.trailer = md })
}

// UseCompressor compresses the call's request messages with the named codec
// (see framing.Register; "gzip" is built in) and sends grpc-encoding. The
// empty name or "identity" sends messages uncompressed.
func UseCompressor(name string) CallOption {
	return callOptionFunc(func(o *callOptions) { o.compressor = name })
}

// MaxRecvMsgSize limits the size of one response message, checked on the
// declared length before reading it and on the decompressed size; a larger
// message fails the call with RESOURCE_EXHAUSTED.
func MaxRecvMsgSize(n int) CallOption {
	return callOptionFunc(func(o *callOptions) { o.maxRecv = n })
}

// MaxSendMsgSize limits the size of one request message; a larger message
// fails the call with RESOURCE_EXHAUSTED before anything is sent.
func MaxSendMsgSize(n int) CallOption {
	return callOptionFunc(func(o *callOptions) { o.maxSend = n })
}

// WaitForReady makes the call wait, within its context, for the connection
// to be up instead of failing fast with UNAVAILABLE when it is not.
func WaitForReady(wait bool) CallOption {
	return callOptionFunc(func(o *callOptions) { o.waitForReady = wait; o.waitSet = true })
}
