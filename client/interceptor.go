package client

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// UnaryInvoker performs a unary call; it is what a UnaryInterceptor wraps.
type UnaryInvoker func(ctx context.Context, method string, req, res proto.Message, opts ...CallOption) error

// UnaryInterceptor runs around every unary call: it may change the request,
// the options or the outcome, or answer without calling invoker.
type UnaryInterceptor func(ctx context.Context, method string, req, res proto.Message, invoker UnaryInvoker, opts ...CallOption) error

// Streamer starts a streaming call; it is what a StreamInterceptor wraps.
type Streamer func(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error)

// StreamInterceptor runs around the start of every streaming call and may
// wrap the stream it returns.
type StreamInterceptor func(ctx context.Context, desc *StreamDesc, method string, streamer Streamer, opts ...CallOption) (ClientStream, error)

// WithUnaryInterceptor adds interceptors around every unary call, the first
// outermost.
func WithUnaryInterceptor(ints ...UnaryInterceptor) Option {
	return optionFunc(func(o *dialOptions) { o.unaryInts = append(o.unaryInts, ints...) })
}

// WithStreamInterceptor adds interceptors around every streaming call.
func WithStreamInterceptor(ints ...StreamInterceptor) Option {
	return optionFunc(func(o *dialOptions) { o.streamInts = append(o.streamInts, ints...) })
}

func chainUnary(ints []UnaryInterceptor, final UnaryInvoker) UnaryInvoker {
	h := final
	for i := len(ints) - 1; i >= 0; i-- {
		ic, next := ints[i], h
		h = func(ctx context.Context, method string, req, res proto.Message, opts ...CallOption) error {
			return ic(ctx, method, req, res, next, opts...)
		}
	}
	return h
}

func chainStream(ints []StreamInterceptor, final Streamer) Streamer {
	h := final
	for i := len(ints) - 1; i >= 0; i-- {
		ic, next := ints[i], h
		h = func(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error) {
			return ic(ctx, desc, method, next, opts...)
		}
	}
	return h
}
