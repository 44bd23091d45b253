package server_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

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

// TestStopWithCallsInFlight: Stop closes everything at once: calls in flight
// fail with UNAVAILABLE at the client, their handlers' contexts end, Stop
// returns once the handlers have, and nothing hangs.
func TestStopWithCallsInFlight(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	started := make(chan struct{}, 3)
	ended := make(chan error, 3)
	block := func(ctx context.Context) error {
		started <- struct{}{}
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	}
	srv, addr := testsvc.Start(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return nil, block(ctx)
		},
		Count: func(in *wrapperspb.Int32Value, st server.ServerStreamingServer[wrapperspb.Int32Value]) error {
			st.Send(wrapperspb.Int32(0))
			return block(st.Context())
		},
		Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			return block(st.Context())
		},
	})
	cc := testsvc.Dial(t, addr)
	ctx := context.Background()
	waits := []func() error{
		testsvc.Go(t, func() error {
			_, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String("x"))
			return err
		}),
		testsvc.Go(t, func() error {
			for _, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(1)) {
				if err != nil {
					return err
				}
			}
			return nil
		}),
		testsvc.Go(t, func() error {
			bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
			if err != nil {
				return err
			}
			_, err = bs.Recv()
			return err
		}),
	}
	for range waits {
		within(t, started, "the handlers to start")
	}
	stopped := make(chan struct{})
	go func() { srv.Stop(); close(stopped) }()
	within(t, stopped, "Stop to return")
	for i, wait := range waits {
		if st := wire.StatusOf(wait()); st.Code != wire.Unavailable {
			t.Errorf("call %d ended with %v, want UNAVAILABLE", i, st)
		}
		if err := within(t, ended, "the handlers' contexts to end"); err == nil {
			t.Errorf("handler %d: context not ended", i)
		}
	}
	_, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String("after"))
	if st := wire.StatusOf(err); st.Code != wire.Unavailable {
		t.Errorf("a call after Stop ended with %v, want UNAVAILABLE", st)
	}
}

// TestGracefulStopLetsCallsFinish: GracefulStop lets the calls in flight
// finish, refuses new ones, and returns once the last has ended.
func TestGracefulStopLetsCallsFinish(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	srv, addr := testsvc.Start(t, &testsvc.Service{
		Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
			started <- struct{}{}
			<-release
			return st.Send(wrapperspb.String("finished"))
		},
	})
	cc := testsvc.Dial(t, addr)
	ctx := context.Background()
	bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
	if err != nil {
		t.Fatal(err)
	}
	within(t, started, "the handler to start")
	stopCtx, cancel := context.WithTimeout(ctx, testsvc.Timeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(stopCtx); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("GracefulStop returned with a call in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	m, err := bs.Recv()
	if err != nil || m.Value != "finished" {
		t.Fatalf("the call in flight got %v, %v; want its response", m, err)
	}
	if _, err := bs.Recv(); err != io.EOF {
		t.Fatalf("the call in flight ended with %v, want OK", err)
	}
	within(t, stopped, "GracefulStop to return")
	if stopCtx.Err() != nil {
		t.Error("GracefulStop waited for its context rather than for the call")
	}
	_, err = client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String("after"))
	if st := wire.StatusOf(err); st.Code != wire.Unavailable {
		t.Errorf("a call after GracefulStop ended with %v, want UNAVAILABLE", st)
	}
}

// TestStopWhileHandlerBlockedInSend: a handler blocked by flow control (the
// client reads nothing) is released by Stop, which returns. synctest.Wait
// returns once every goroutine of the bubble is blocked: the handler is
// then waiting for credit.
func TestStopWhileHandlerBlockedInSend(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		blocked := make(chan error, 1)
		srv := server.New()
		chunk := wrapperspb.String(strings.Repeat("x", 64<<10))
		srv.Register((&testsvc.Service{
			Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
				for {
					if err := st.Send(chunk); err != nil {
						blocked <- err
						return err
					}
				}
			},
		}).Desc())
		ln := testsvc.NewPipeListener()
		testsvc.ServeListener(t, srv, ln)
		cc := testsvc.Dial(t, "pipe:0", client.WithDialer(ln.Dial))
		bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.ChatPath)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bs.Recv(); err != nil { // the handler is sending
			t.Fatal(err)
		}
		synctest.Wait()
		srv.Stop()
		if err := <-blocked; err == nil {
			t.Error("the blocked Send returned nil")
		}
		// What arrived before Stop is still readable; then the call fails.
		for range 100 {
			if _, err = bs.Recv(); err != nil {
				break
			}
		}
		if st := wire.StatusOf(err); st.Code != wire.Unavailable {
			t.Errorf("after Stop the call ended with %v, want UNAVAILABLE", st)
		}
	})
}
