package server

import (
	"context"

	"grpcwire/wire"
)

// StreamFromContext returns the call's stream from a handler's context.
func StreamFromContext(ctx context.Context) (*Stream, bool) {
	st, ok := ctx.Value(streamKey{}).(*Stream)
	return st, ok
}

// MetadataFromContext returns the request metadata of the call whose context
// this is (nil outside a call). It includes user-agent, as gRPC servers show
// it to handlers; binary values are decoded.
func MetadataFromContext(ctx context.Context) wire.Metadata {
	if st, ok := StreamFromContext(ctx); ok {
		return st.Metadata()
	}
	return nil
}

// PeerFromContext returns the client's address (and TLS state) of the call.
func PeerFromContext(ctx context.Context) (Peer, bool) {
	if st, ok := StreamFromContext(ctx); ok {
		return st.Peer(), true
	}
	return Peer{}, false
}

// MethodFromContext returns the call's full method name.
func MethodFromContext(ctx context.Context) (string, bool) {
	if st, ok := StreamFromContext(ctx); ok {
		return st.Method(), true
	}
	return "", false
}

// SetHeader adds md to the response headers of the call (see Stream.SetHeader).
func SetHeader(ctx context.Context, md wire.Metadata) error {
	st, ok := StreamFromContext(ctx)
	if !ok {
		return wire.Errorf(wire.Internal, "grpcwire: SetHeader outside a call")
	}
	return st.SetHeader(md)
}

// SendHeader sends the response headers of the call now, with md added.
func SendHeader(ctx context.Context, md wire.Metadata) error {
	st, ok := StreamFromContext(ctx)
	if !ok {
		return wire.Errorf(wire.Internal, "grpcwire: SendHeader outside a call")
	}
	return st.SendHeader(md)
}

// SetTrailer adds md to the trailers of the call.
func SetTrailer(ctx context.Context, md wire.Metadata) error {
	st, ok := StreamFromContext(ctx)
	if !ok {
		return wire.Errorf(wire.Internal, "grpcwire: SetTrailer outside a call")
	}
	st.SetTrailer(md)
	return nil
}

// SetSendCompressor compresses the call's response messages with the named
// codec (see Stream.SetSendCompressor).
func SetSendCompressor(ctx context.Context, name string) error {
	st, ok := StreamFromContext(ctx)
	if !ok {
		return wire.Errorf(wire.Internal, "grpcwire: SetSendCompressor outside a call")
	}
	return st.SetSendCompressor(name)
}
