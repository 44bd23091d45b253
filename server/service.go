package server

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// CallKind is one of gRPC's four kinds of call. It decides how many request
// and response messages a call carries and therefore which checks the server
// applies: a unary or server-streaming call that does not carry exactly one
// request message is answered with UNIMPLEMENTED (grpc/grpc
// doc/statuscodes.md).
type CallKind uint8

// The four call kinds.
const (
	Unary           CallKind = iota // one request, one response
	ServerStreaming                 // one request, a stream of responses
	ClientStreaming                 // a stream of requests, one response
	BidiStreaming                   // streams both ways
)

// String returns the kind's name as protobuf service definitions spell it.
func (k CallKind) String() string {
	switch k {
	case Unary:
		return "unary"
	case ServerStreaming:
		return "server-streaming"
	case ClientStreaming:
		return "client-streaming"
	case BidiStreaming:
		return "bidi-streaming"
	}
	return fmt.Sprintf("CallKind(%d)", uint8(k))
}

// ClientStreams reports whether the client sends a stream of messages.
func (k CallKind) ClientStreams() bool { return k == ClientStreaming || k == BidiStreaming }

// ServerStreams reports whether the server sends a stream of messages.
func (k CallKind) ServerStreams() bool { return k == ServerStreaming || k == BidiStreaming }

// ServiceDesc describes one gRPC service for Register: its full name (the
// part of :path between the slashes, such as "users.Users") and its methods.
// Generated stubs build it; code without stubs can build it by hand with the
// Method constructors below.
type ServiceDesc struct {
	// Name is the service's full protobuf name, "package.Service".
	Name string
	// Methods are the service's methods.
	Methods []MethodDesc
	// Descriptor, if set, is the service's protobuf descriptor. Server
	// reflection uses it to answer for the service and its file.
	Descriptor protoreflect.ServiceDescriptor
}

// MethodDesc describes one method of a service. Build it with UnaryMethod,
// ServerStreamingMethod, ClientStreamingMethod, BidiStreamingMethod or
// StreamMethod.
type MethodDesc struct {
	// Name is the method's name within its service, such as "CreateUser".
	Name string
	// Kind is the method's call kind.
	Kind CallKind

	// unary handles a unary call once its one request is decoded; newReq
	// makes the request message to decode into. Set for Kind == Unary.
	newReq func() proto.Message
	unary  func(ctx context.Context, req proto.Message) (proto.Message, error)
	// stream handles every other kind on the call's stream.
	stream func(st ServerStream) error
}

// message is the constraint of generated message pointer types: *T where *T
// is a proto.Message. It lets the typed constructors allocate a T.
type message[T any] interface {
	*T
	proto.Message
}

// UnaryMethod describes a unary method whose handler takes the request and
// returns the response. Type parameters are inferred from h:
//
//	server.UnaryMethod("CreateUser", impl.CreateUser)
func UnaryMethod[Req, Res any, PReq message[Req], PRes message[Res]](name string, h func(context.Context, *Req) (*Res, error)) MethodDesc {
	return MethodDesc{
		Name:   name,
		Kind:   Unary,
		newReq: func() proto.Message { return PReq(new(Req)) },
		unary: func(ctx context.Context, req proto.Message) (proto.Message, error) {
			res, err := h(ctx, (*Req)(req.(PReq)))
			if err != nil || res == nil {
				// A nil response with a nil error is the handler's bug;
				// the caller turns it into INTERNAL.
				return nil, err
			}
			return PRes(res), nil
		},
	}
}

// ServerStreamingMethod describes a server-streaming method: the handler gets
// the one request and a stream to send responses on, and its return value is
// the call's status.
func ServerStreamingMethod[Req, Res any, PReq message[Req], PRes message[Res]](name string, h func(*Req, ServerStreamingServer[Res]) error) MethodDesc {
	return MethodDesc{
		Name: name,
		Kind: ServerStreaming,
		stream: func(st ServerStream) error {
			// RecvMsg of a server-streaming call checks that the client sent
			// exactly this one request (doc/statuscodes.md, UNIMPLEMENTED).
			req := new(Req)
			if err := st.RecvMsg(PReq(req)); err != nil {
				return err
			}
			return h(req, &GenericStream[Req, Res]{ServerStream: st})
		},
	}
}

// ClientStreamingMethod describes a client-streaming method: the handler
// receives requests until io.EOF and ends with SendAndClose.
func ClientStreamingMethod[Req, Res any, PReq message[Req], PRes message[Res]](name string, h func(ClientStreamingServer[Req, Res]) error) MethodDesc {
	return MethodDesc{
		Name:   name,
		Kind:   ClientStreaming,
		stream: func(st ServerStream) error { return h(&GenericStream[Req, Res]{ServerStream: st}) },
	}
}

// BidiStreamingMethod describes a bidirectional-streaming method.
func BidiStreamingMethod[Req, Res any, PReq message[Req], PRes message[Res]](name string, h func(BidiStreamingServer[Req, Res]) error) MethodDesc {
	return MethodDesc{
		Name:   name,
		Kind:   BidiStreaming,
		stream: func(st ServerStream) error { return h(&GenericStream[Req, Res]{ServerStream: st}) },
	}
}

// StreamMethod describes a method of any kind by a handler that works on the
// untyped stream, for servers without generated stubs (proxies, dynamic
// servers). For Unary and ServerStreaming kinds the handler must itself
// receive the one request; the server still enforces that exactly one came.
func StreamMethod(name string, kind CallKind, h func(ServerStream) error) MethodDesc {
	return MethodDesc{Name: name, Kind: kind, stream: h}
}
