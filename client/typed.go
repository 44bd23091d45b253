package client

import (
	"context"
	"io"
	"iter"

	"google.golang.org/protobuf/proto"

	"grpcwire/wire"
)

// ConnInterface is what generated clients call: Conn implements it, and so
// can a wrapper that adds behaviour around every call.
type ConnInterface interface {
	// Invoke performs a unary call: it sends req and decodes the one
	// response into res.
	Invoke(ctx context.Context, method string, req, res proto.Message, opts ...CallOption) error
	// NewStream starts a streaming call of the given shape.
	NewStream(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error)
}

// StreamDesc says which sides of a streaming call stream. It decides the
// cardinality checks the client applies to responses.
type StreamDesc struct {
	ClientStreams bool // the client sends a stream of messages
	ServerStreams bool // the server sends a stream of messages
}

// ClientStream is the client's side of one streaming call, as a wrapper or a
// typed stream sees it. *Stream implements it.
type ClientStream interface {
	// Context is the call's context.
	Context() context.Context
	// Header waits for the response headers and returns them. For a
	// response that was Trailers-Only it returns empty metadata.
	Header() (wire.Metadata, error)
	// Trailer returns the trailers; they are complete once RecvMsg has
	// returned io.EOF or an error.
	Trailer() wire.Metadata
	// SendMsg sends one request message.
	SendMsg(m proto.Message) error
	// CloseSend half-closes the call: no more request messages.
	CloseSend() error
	// RecvMsg receives the next response message into m; io.EOF when the
	// call ended with OK and no message remains, else the call's status.
	RecvMsg(m proto.Message) error
}

// message is the constraint of generated message pointer types.
type message[T any] interface {
	*T
	proto.Message
}

// Unary performs a unary call with typed request and response.
func Unary[Req, Res any, PReq message[Req], PRes message[Res]](ctx context.Context, cc ConnInterface, method string, req *Req, opts ...CallOption) (*Res, error) {
	res := new(Res)
	if err := cc.Invoke(ctx, method, PReq(req), PRes(res), opts...); err != nil {
		return nil, err
	}
	return res, nil
}

var (
	serverStreamingDesc = StreamDesc{ServerStreams: true}
	clientStreamingDesc = StreamDesc{ClientStreams: true}
	bidiStreamingDesc   = StreamDesc{ClientStreams: true, ServerStreams: true}
)

// ServerStreamClient is the client's side of a server-streaming call: read it
// with a Recv loop or range over All.
type ServerStreamClient[Res any] struct {
	ClientStream
	// cancel ends the call's own context: NewServerStream derives one so
	// that it can end the call whatever wraps the stream (an interceptor's
	// wrapper hides the stream's Cancel method).
	cancel context.CancelFunc
}

// NewServerStream starts a server-streaming call: it sends req, half-closes,
// and returns the stream of responses. If req cannot be sent (over the send
// limit, say) the call is cancelled and the error returned.
func NewServerStream[Req, Res any, PReq message[Req], PRes message[Res]](ctx context.Context, cc ConnInterface, method string, req *Req, opts ...CallOption) (*ServerStreamClient[Res], error) {
	ctx, cancel := context.WithCancel(ctx)
	cs, err := cc.NewStream(ctx, &serverStreamingDesc, method, opts...)
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cs.SendMsg(PReq(req)); err != nil && err != io.EOF {
		cancel()
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		cancel()
		return nil, err
	}
	return &ServerStreamClient[Res]{ClientStream: cs, cancel: cancel}, nil
}

// Recv receives the next response; io.EOF after the last one of a call that
// ended with OK, or the call's status error.
func (s *ServerStreamClient[Res]) Recv() (*Res, error) {
	m := new(Res)
	if err := s.ClientStream.RecvMsg(any(m).(proto.Message)); err != nil {
		if s.cancel != nil {
			s.cancel() // the call is over: release its context
		}
		return nil, err
	}
	return m, nil
}

// Cancel ends the call at once, with RST_STREAM(CANCEL); later Recv calls
// return CANCELLED. It is what breaking out of All does.
func (s *ServerStreamClient[Res]) Cancel() {
	if s.cancel != nil {
		s.cancel()
		return
	}
	cancelStream(s.ClientStream)
}

// All returns the responses as an iterator. It yields (msg, nil) for each
// response and, if the call did not end with OK, one final (nil, err).
// Breaking out of the loop early cancels the call.
func (s *ServerStreamClient[Res]) All() iter.Seq2[*Res, error] {
	return func(yield func(*Res, error) bool) {
		for {
			m, err := s.Recv()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(m, nil) {
				s.Cancel()
				return
			}
		}
	}
}

// ServerStreaming starts a server-streaming call when ranged over and yields
// its responses, as ServerStreamClient.All does; a failure to start the call
// is yielded as the one (nil, err). Generated clients return it.
func ServerStreaming[Req, Res any, PReq message[Req], PRes message[Res]](ctx context.Context, cc ConnInterface, method string, req *Req, opts ...CallOption) iter.Seq2[*Res, error] {
	return func(yield func(*Res, error) bool) {
		s, err := NewServerStream[Req, Res, PReq, PRes](ctx, cc, method, req, opts...)
		if err != nil {
			yield(nil, err)
			return
		}
		s.All()(yield)
	}
}

// ClientStreamClient is the client's side of a client-streaming call.
type ClientStreamClient[Req, Res any] struct {
	ClientStream
}

// NewClientStream starts a client-streaming call.
func NewClientStream[Req, Res any, PReq message[Req], PRes message[Res]](ctx context.Context, cc ConnInterface, method string, opts ...CallOption) (*ClientStreamClient[Req, Res], error) {
	cs, err := cc.NewStream(ctx, &clientStreamingDesc, method, opts...)
	if err != nil {
		return nil, err
	}
	return &ClientStreamClient[Req, Res]{ClientStream: cs}, nil
}

// Send sends one request message. It returns io.EOF if the server already
// ended the call; CloseAndRecv then returns the call's status.
func (s *ClientStreamClient[Req, Res]) Send(m *Req) error {
	return s.ClientStream.SendMsg(any(m).(proto.Message))
}

// CloseAndRecv half-closes the call and returns the one response.
func (s *ClientStreamClient[Req, Res]) CloseAndRecv() (*Res, error) {
	if err := s.ClientStream.CloseSend(); err != nil {
		return nil, err
	}
	m := new(Res)
	if err := s.ClientStream.RecvMsg(any(m).(proto.Message)); err != nil {
		return nil, err
	}
	return m, nil
}

// BidiStreamClient is the client's side of a bidirectional-streaming call.
// Send and CloseSend may run in one goroutine while Recv runs in another.
type BidiStreamClient[Req, Res any] struct {
	ClientStream
}

// NewBidiStream starts a bidirectional-streaming call.
func NewBidiStream[Req, Res any, PReq message[Req], PRes message[Res]](ctx context.Context, cc ConnInterface, method string, opts ...CallOption) (*BidiStreamClient[Req, Res], error) {
	cs, err := cc.NewStream(ctx, &bidiStreamingDesc, method, opts...)
	if err != nil {
		return nil, err
	}
	return &BidiStreamClient[Req, Res]{ClientStream: cs}, nil
}

// Send sends one request message; io.EOF if the server already ended the
// call (Recv then returns the status).
func (s *BidiStreamClient[Req, Res]) Send(m *Req) error {
	return s.ClientStream.SendMsg(any(m).(proto.Message))
}

// Recv receives the next response; io.EOF after the last one of a call that
// ended with OK, or the call's status error.
func (s *BidiStreamClient[Req, Res]) Recv() (*Res, error) {
	m := new(Res)
	if err := s.ClientStream.RecvMsg(any(m).(proto.Message)); err != nil {
		return nil, err
	}
	return m, nil
}

// cancelStream ends a call the application stopped reading.
func cancelStream(cs ClientStream) {
	if c, ok := cs.(interface{ Cancel() }); ok {
		c.Cancel()
	}
}
