package server_test

import (
	"context"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// upperStream wraps a ServerStream to change the messages the handler sends.
type upperStream struct {
	server.ServerStream
}

func (s upperStream) SendMsg(m proto.Message) error {
	if sv, ok := m.(*wrapperspb.StringValue); ok {
		m = wrapperspb.String("wrapped:" + sv.Value)
	}
	return s.ServerStream.SendMsg(m)
}

// TestServerInterceptors: unary and stream interceptors run around every
// handler, the first outermost; they see the method and its kind, may
// answer without the handler, change the request and the response, and a
// stream interceptor may wrap the stream.
func TestServerInterceptors(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var mu sync.Mutex
	var events []string
	note := func(s string) {
		mu.Lock()
		events = append(events, s)
		mu.Unlock()
	}
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		e := events
		events = nil
		return e
	}
	unary := func(name string) server.UnaryInterceptor {
		return func(ctx context.Context, req proto.Message, info *server.CallInfo, next server.UnaryHandler) (proto.Message, error) {
			note(name + " " + info.FullMethod + " " + info.Kind.String())
			in := req.(*wrapperspb.StringValue)
			switch in.Value {
			case "deny":
				return nil, wire.Errorf(wire.PermissionDenied, "denied by %s", name)
			case "rewrite":
				in.Value = "rewritten by " + name
			}
			res, err := next(ctx, req)
			if err == nil && name == "inner" {
				res = wrapperspb.String(res.(*wrapperspb.StringValue).Value + "!")
			}
			return res, err
		}
	}
	stream := func(st server.ServerStream, info *server.CallInfo, next server.StreamHandler) error {
		note("stream " + info.FullMethod + " " + info.Kind.String())
		return next(upperStream{st})
	}
	var handled atomic.Int32
	svc := &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			handled.Add(1)
			return in, nil
		},
	}
	_, addr := testsvc.Start(t, svc,
		server.ChainUnaryInterceptor(unary("outer")),
		server.ChainUnaryInterceptor(unary("inner")),
		server.ChainStreamInterceptor(stream))
	cc := testsvc.Dial(t, addr)
	ctx := context.Background()
	call := func(s string) (string, error) {
		res, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String(s))
		if err != nil {
			return "", err
		}
		return res.Value, nil
	}

	if got, err := call("x"); err != nil || got != "x!" {
		t.Errorf("Echo(x) = %q, %v; want %q", got, err, "x!")
	}
	want := []string{"outer " + testsvc.EchoPath + " unary", "inner " + testsvc.EchoPath + " unary"}
	if got := take(); !slices.Equal(got, want) {
		t.Errorf("interceptors ran as %q, want %q", got, want)
	}
	if got, err := call("rewrite"); err != nil || got != "rewritten by outer!" {
		t.Errorf("Echo(rewrite) = %q, %v", got, err)
	}
	take()
	before := handled.Load()
	_, err := call("deny")
	if st := wire.StatusOf(err); st.Code != wire.PermissionDenied || st.Message != "denied by outer" {
		t.Errorf("Echo(deny) = %v, want PERMISSION_DENIED from the outer interceptor", err)
	}
	if handled.Load() != before {
		t.Error("the handler ran although the interceptor answered")
	}
	if got := take(); len(got) != 1 {
		t.Errorf("after a denial the inner interceptor still ran: %q", got)
	}

	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
	if err != nil {
		t.Fatal(err)
	}
	bs.Send(wrapperspb.String("a"))
	m, err := bs.Recv()
	if err != nil || m.Value != "wrapped:a" {
		t.Errorf("Chat through the wrapping interceptor answered %v, %v; want wrapped:a", m, err)
	}
	bs.CloseSend()
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatal(err)
	}
	for _, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(1)) {
		if err != nil {
			t.Fatal(err)
		}
	}
	want = []string{"stream " + testsvc.ChatPath + " bidi-streaming", "stream " + testsvc.CountPath + " server-streaming"}
	if got := take(); !slices.Equal(got, want) {
		t.Errorf("stream interceptor ran as %q, want %q", got, want)
	}
}
