package bench

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"grpcwire/client"
	"grpcwire/conformance/benchpb"
	"grpcwire/conformance/benchpb/benchgrpc"
)

// Client is one connection of the load generator, on grpc-go's client or
// on grpcwire's. Each method is one call made the way an application using
// that library's generated stubs would make it.
type Client interface {
	// Unary makes one unary call.
	Unary(ctx context.Context, req *benchpb.Payload) error
	// ServerStream makes one server-streaming call and reads every
	// response; it returns how many arrived.
	ServerStream(ctx context.Context, req *benchpb.StreamRequest) (int, error)
	// ClientStream makes one client-streaming call sending req count
	// times, then waits for the response.
	ClientStream(ctx context.Context, req *benchpb.Payload, count int) error
	// Bidi starts a bidirectional-streaming call for ping-pong.
	Bidi(ctx context.Context) (PingPong, error)
	// Close closes the connection.
	Close() error
}

// PingPong is an open bidirectional-streaming call.
type PingPong interface {
	// RoundTrip sends req and waits for the answer.
	RoundTrip(req *benchpb.Payload) error
	// Close half-closes the call and waits for its end.
	Close() error
}

// A Dialer makes a Client connected to addr.
type Dialer func(addr string) (Client, error)

// DialerFor returns the Dialer of the client library impl (ImplWire or
// ImplGo, or ImplTCP for the floors' raw connections). goWindow, when
// above zero, gives grpc-go's client static flow control windows of that
// many bytes, which turns its BDP estimator off
// (and with it the PING it sends per data-bearing round trip); zero keeps
// grpc-go's defaults.
func DialerFor(impl string, goWindow int32) (Dialer, error) {
	switch impl {
	case ImplWire:
		return dialWire, nil
	case ImplGo:
		return func(addr string) (Client, error) { return dialGo(addr, goWindow) }, nil
	case ImplTCP:
		return dialTCP, nil
	}
	return nil, fmt.Errorf("bench: unknown client %q: want %s, %s or %s", impl, ImplWire, ImplGo, ImplTCP)
}

// goClient is grpc-go's client with its defaults, over cleartext.
type goClient struct {
	cc *grpc.ClientConn
	c  benchgrpc.BenchClient
}

func dialGo(addr string, window int32) (Client, error) {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if window > 0 {
		opts = append(opts, grpc.WithInitialWindowSize(window), grpc.WithInitialConnWindowSize(window))
	}
	cc, err := grpc.NewClient("passthrough:///"+addr, opts...)
	if err != nil {
		return nil, err
	}
	return &goClient{cc: cc, c: benchgrpc.NewBenchClient(cc)}, nil
}

func (g *goClient) Unary(ctx context.Context, req *benchpb.Payload) error {
	_, err := g.c.Unary(ctx, req)
	return err
}

func (g *goClient) ServerStream(ctx context.Context, req *benchpb.StreamRequest) (int, error) {
	st, err := g.c.ServerStream(ctx, req)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		if _, err := st.Recv(); err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n++
	}
}

func (g *goClient) ClientStream(ctx context.Context, req *benchpb.Payload, count int) error {
	st, err := g.c.ClientStream(ctx)
	if err != nil {
		return err
	}
	for range count {
		if err := st.Send(req); err == io.EOF {
			break // CloseAndRecv has the status
		} else if err != nil {
			return err
		}
	}
	_, err = st.CloseAndRecv()
	return err
}

func (g *goClient) Bidi(ctx context.Context) (PingPong, error) {
	st, err := g.c.Bidi(ctx)
	if err != nil {
		return nil, err
	}
	return goPingPong{st}, nil
}

func (g *goClient) Close() error { return g.cc.Close() }

type goPingPong struct {
	st grpc.BidiStreamingClient[benchpb.Payload, benchpb.Payload]
}

func (p goPingPong) RoundTrip(req *benchpb.Payload) error {
	if err := p.st.Send(req); err != nil {
		return err
	}
	_, err := p.st.Recv()
	return err
}

func (p goPingPong) Close() error {
	if err := p.st.CloseSend(); err != nil {
		return err
	}
	return endOfStream(p.st.Recv())
}

// wireClient is grpcwire's client with its defaults, over cleartext.
type wireClient struct {
	cc *client.Conn
	c  benchpb.BenchClient
}

func dialWire(addr string) (Client, error) {
	cc, err := client.Dial(addr)
	if err != nil {
		return nil, err
	}
	return &wireClient{cc: cc, c: benchpb.NewBenchClient(cc)}, nil
}

func (w *wireClient) Unary(ctx context.Context, req *benchpb.Payload) error {
	_, err := w.c.Unary(ctx, req)
	return err
}

func (w *wireClient) ServerStream(ctx context.Context, req *benchpb.StreamRequest) (int, error) {
	n := 0
	for _, err := range w.c.ServerStream(ctx, req) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (w *wireClient) ClientStream(ctx context.Context, req *benchpb.Payload, count int) error {
	st, err := w.c.ClientStream(ctx)
	if err != nil {
		return err
	}
	for range count {
		if err := st.Send(req); err == io.EOF {
			break // CloseAndRecv has the status
		} else if err != nil {
			return err
		}
	}
	_, err = st.CloseAndRecv()
	return err
}

func (w *wireClient) Bidi(ctx context.Context) (PingPong, error) {
	st, err := w.c.Bidi(ctx)
	if err != nil {
		return nil, err
	}
	return wirePingPong{st}, nil
}

func (w *wireClient) Close() error { return w.cc.Close() }

type wirePingPong struct {
	st *client.BidiStreamClient[benchpb.Payload, benchpb.Payload]
}

func (p wirePingPong) RoundTrip(req *benchpb.Payload) error {
	if err := p.st.Send(req); err != nil {
		return err
	}
	_, err := p.st.Recv()
	return err
}

func (p wirePingPong) Close() error {
	if err := p.st.CloseSend(); err != nil {
		return err
	}
	return endOfStream(p.st.Recv())
}

// endOfStream checks that a Recv after the half-close saw the call end
// with OK.
func endOfStream(_ *benchpb.Payload, err error) error {
	if err == io.EOF {
		return nil
	}
	if err == nil {
		return errors.New("bench: a response arrived after the last request was answered")
	}
	return err
}

// dialAll makes n clients to addr, closing them all if one fails.
func dialAll(dial Dialer, addr string, n int) ([]Client, error) {
	cs := make([]Client, 0, n)
	for range n {
		c, err := dial(addr)
		if err != nil {
			closeAll(cs)
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

func closeAll(cs []Client) {
	for _, c := range cs {
		c.Close()
	}
}
