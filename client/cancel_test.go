package client_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// blockingService has handlers that announce themselves on started and then
// wait for their context to end, reporting how it ended on ended.
func blockingService(started chan<- string, ended chan<- error) *testsvc.Service {
	block := func(name string, ctx context.Context) error {
		started <- name
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	}
	return &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return nil, block("unary", ctx)
		},
		Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			if err := st.Send(wrapperspb.Int32(0)); err != nil {
				return err
			}
			return block("server-streaming", st.Context())
		},
		Collect: func(st server.ClientStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			return block("client-streaming", st.Context())
		},
		Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			return block("bidi", st.Context())
		},
	}
}

// callKinds are calls of each kind that return the error that ended them;
// each blocks until its handler (of blockingService) ends.
func callKinds(cc client.ConnInterface) []struct {
	name string
	call func(ctx context.Context) error
} {
	return []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"unary", func(ctx context.Context) error {
			_, err := echo(ctx, cc, "x")
			return err
		}},
		{"server-streaming", func(ctx context.Context) error {
			for _, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(1)) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"client-streaming", func(ctx context.Context) error {
			cs, err := client.NewClientStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.CollectPath)
			if err != nil {
				return err
			}
			if err := cs.Send(wrapperspb.String("a")); err != nil && err != io.EOF {
				return err
			}
			_, err = cs.CloseAndRecv()
			return err
		}},
		{"bidi", func(ctx context.Context) error {
			bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
			if err != nil {
				return err
			}
			_, err = bs.Recv()
			return err
		}},
	}
}

// within waits for a value on ch, failing the test if none comes in time.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testsvc.Timeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestCancelFromClient: cancelling a call's context fails it at once with
// CANCELLED, on the client's side, and cancels its handler's context.
func TestCancelFromClient(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	started, ended := make(chan string, 1), make(chan error, 1)
	cc := start(t, blockingService(started, ended))
	for _, c := range callKinds(cc) {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			wait := testsvc.Go(t, func() error { return c.call(ctx) })
			within(t, started, "the handler to start")
			cancel()
			st := wantStatus(t, wait(), wire.Canceled)
			if st.Remote {
				t.Error("CANCELLED came from the server; the client's own cancellation must decide")
			}
			if err := within(t, ended, "the handler's context to end"); !errors.Is(err, context.Canceled) {
				t.Errorf("handler context ended with %v, want context.Canceled", err)
			}
		})
	}
}

// TestCancelFromServer: a handler that gives up with CANCELLED ends the call
// with CANCELLED at the client, marked as the server's.
func TestCancelFromServer(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, &testsvc.Service{
		Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			st.Send(wrapperspb.String("one"))
			return wire.Errorf(wire.Canceled, "the server gave up")
		},
	})
	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.ChatPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Recv(); err != nil {
		t.Fatal(err)
	}
	_, err = bs.Recv()
	if st := wantStatus(t, err, wire.Canceled, "the server gave up"); !st.Remote {
		t.Error("the server's CANCELLED is not marked Remote")
	}
	// Sending on the ended call reports io.EOF; the status stays.
	if err := bs.Send(wrapperspb.String("late")); err != io.EOF {
		t.Errorf("Send after the end = %v, want io.EOF", err)
	}
	_, err = bs.Recv()
	wantStatus(t, err, wire.Canceled)
}

// TestIteratorBreakCancelsCall: breaking out of a range over a server
// stream cancels the call, so that the server stops sending.
func TestIteratorBreakCancelsCall(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	ended := make(chan error, 1)
	cc := start(t, &testsvc.Service{
		Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			for i := int32(0); ; i++ {
				if err := st.Send(wrapperspb.Int32(i)); err != nil {
					<-st.Context().Done()
					ended <- st.Context().Err()
					return err
				}
			}
		},
	})
	var got []int32
	for m, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](context.Background(), cc, testsvc.CountPath, wrapperspb.Int32(0)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Value)
		if len(got) == 3 {
			break
		}
	}
	if err := within(t, ended, "the handler to see the cancellation"); !errors.Is(err, context.Canceled) {
		t.Errorf("handler context ended with %v, want context.Canceled", err)
	}
	if got[0] != 0 || got[1] != 1 || got[2] != 2 {
		t.Errorf("got %v, want [0 1 2]", got)
	}
}

// TestRecvLoopServerStream: the Recv-loop form of a server stream ends with
// io.EOF after the last message, and again on later calls.
func TestRecvLoopServerStream(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := start(t, nil)
	ss, err := client.NewServerStream[wrapperspb.Int32Value, wrapperspb.Int32Value](context.Background(), cc, testsvc.CountPath, wrapperspb.Int32(100))
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	for {
		m, err := ss.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Value != n {
			t.Fatalf("message %d = %d", n, m.Value)
		}
		n++
	}
	if n != 100 {
		t.Errorf("got %d messages, want 100", n)
	}
	if _, err := ss.Recv(); err != io.EOF {
		t.Errorf("Recv after the end = %v, want io.EOF again", err)
	}
}

// TestConnCloseWithCallsInFlight: Close fails every call in flight with
// CANCELLED, cancels their handlers, and makes later calls fail at once.
func TestConnCloseWithCallsInFlight(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	kinds := 4
	started, ended := make(chan string, kinds), make(chan error, kinds)
	_, addr := testsvc.Start(t, blockingService(started, ended))
	cc, err := client.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	var waits []func() error
	for _, c := range callKinds(cc) {
		waits = append(waits, testsvc.Go(t, func() error { return c.call(context.Background()) }))
	}
	for range kinds {
		within(t, started, "the handlers to start")
	}
	if err := cc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, wait := range waits {
		wantStatus(t, wait(), wire.Canceled, "closing")
		if err := within(t, ended, "the handlers' contexts to end"); err == nil {
			t.Errorf("handler %d: context not ended", i)
		}
	}
	_, err = echo(context.Background(), cc, "after")
	wantStatus(t, err, wire.Canceled, "closing")
	if err := cc.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestIteratorBreakCancelsWrappedCall: breaking out of the range cancels the
// call also when a stream interceptor has wrapped the stream, so that the
// typed helper cannot reach the call's own Cancel.
func TestIteratorBreakCancelsWrappedCall(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	ended := make(chan error, 1)
	wrap := func(ctx context.Context, desc *client.StreamDesc, method string, streamer client.Streamer, opts ...client.CallOption) (client.ClientStream, error) {
		cs, err := streamer(ctx, desc, method, opts...)
		if err != nil {
			return nil, err
		}
		return struct{ client.ClientStream }{cs}, nil // hides every method but the interface's
	}
	cc := start(t, &testsvc.Service{
		Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			for i := int32(0); ; i++ {
				if err := st.Send(wrapperspb.Int32(i)); err != nil {
					<-st.Context().Done()
					ended <- st.Context().Err()
					return err
				}
			}
		},
	}, client.WithStreamInterceptor(wrap))
	for _, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](context.Background(), cc, testsvc.CountPath, wrapperspb.Int32(0)) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if err := within(t, ended, "the handler to see the cancellation"); !errors.Is(err, context.Canceled) {
		t.Errorf("handler context ended with %v, want context.Canceled", err)
	}
}
