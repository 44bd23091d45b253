package testsvc

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/server"
	"grpcwire/wire"
)

func TestSmoke(t *testing.T) {
	s := server.New()
	s.Register(&server.ServiceDesc{Name: "test.Echo", Methods: []server.MethodDesc{
		server.UnaryMethod("Echo", func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			if in.Value == "fail" {
				return nil, wire.Errorf(wire.NotFound, "no such thing: %s ☺", in.Value)
			}
			return wrapperspb.String("echo: " + in.Value), nil
		}),
		server.ServerStreamingMethod("Count", func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			for i := range in.Value {
				if err := st.Send(wrapperspb.Int32(i)); err != nil {
					return err
				}
			}
			return nil
		}),
		server.BidiStreamingMethod("Chat", func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			for {
				m, err := st.Recv()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if err := st.Send(wrapperspb.String("re: " + m.Value)); err != nil {
					return err
				}
			}
		}),
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	defer func() { s.Stop(); <-done }()

	cc, err := client.Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, "/test.Echo/Echo", wrapperspb.String("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Value != "echo: hi" {
		t.Fatalf("got %q", res.Value)
	}
	_, err = client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, "/test.Echo/Echo", wrapperspb.String("fail"))
	if st := wire.StatusOf(err); st.Code != wire.NotFound || st.Message != "no such thing: fail ☺" || !st.Remote {
		t.Fatalf("status %#v", st)
	}
	var got []int32
	for m, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, "/test.Echo/Count", wrapperspb.Int32(5)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Value)
	}
	if len(got) != 5 || got[4] != 4 {
		t.Fatalf("got %v", got)
	}
	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, "/test.Echo/Chat")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"a", "b", "c"} {
		if err := bs.Send(wrapperspb.String(w)); err != nil {
			t.Fatal(err)
		}
		m, err := bs.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if m.Value != "re: "+w {
			t.Fatalf("got %q", m.Value)
		}
	}
	bs.CloseSend()
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	_, err = client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, "/test.Echo/Nope", wrapperspb.String("x"))
	if st := wire.StatusOf(err); st.Code != wire.Unimplemented {
		t.Fatalf("status %v", st)
	}
}
