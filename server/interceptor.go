package server

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// CallInfo names the call an interceptor sees.
type CallInfo struct {
	// FullMethod is the call's :path, "/package.Service/Method".
	FullMethod string
	// Kind is the method's call kind.
	Kind CallKind
}

// UnaryHandler runs a unary call's handler on a decoded request.
type UnaryHandler func(ctx context.Context, req proto.Message) (proto.Message, error)

// UnaryInterceptor runs around a unary handler: it may inspect or replace the
// request, the response and the error, or answer without calling next.
type UnaryInterceptor func(ctx context.Context, req proto.Message, info *CallInfo, next UnaryHandler) (proto.Message, error)

// StreamHandler runs a streaming call's handler on its stream.
type StreamHandler func(st ServerStream) error

// StreamInterceptor runs around a streaming handler; it may wrap the stream
// to watch or change its messages.
type StreamInterceptor func(st ServerStream, info *CallInfo, next StreamHandler) error

// chainUnary folds interceptors around h, the first outermost.
func chainUnary(ints []UnaryInterceptor, info *CallInfo, h UnaryHandler) UnaryHandler {
	for i := len(ints) - 1; i >= 0; i-- {
		ic, next := ints[i], h
		h = func(ctx context.Context, req proto.Message) (proto.Message, error) {
			return ic(ctx, req, info, next)
		}
	}
	return h
}

// chainStream folds interceptors around h, the first outermost.
func chainStream(ints []StreamInterceptor, info *CallInfo, h StreamHandler) StreamHandler {
	for i := len(ints) - 1; i >= 0; i-- {
		ic, next := ints[i], h
		h = func(st ServerStream) error { return ic(st, info, next) }
	}
	return h
}
