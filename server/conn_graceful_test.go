package server_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// TestGracefulStopCutsAtContextEnd: calls still running when GracefulStop's
// context ends are cut as by Stop: the client sees UNAVAILABLE, the
// handlers' contexts end, and GracefulStop returns then, not later.
func TestGracefulStopCutsAtContextEnd(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		srv, ln := pipeServer(t, g.service())
		cc := testsvc.Dial(t, "pipe:0", client.WithDialer(ln.Dial))
		const calls = 3
		errs := make(chan error, calls)
		for i := range calls {
			go func() {
				_, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.EchoPath, wrapperspb.String(string(rune('a'+i))))
				errs <- err
			}()
		}
		g.waitStarted(t, calls)
		const bound = 30 * time.Second
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		start := time.Now()
		srv.GracefulStop(ctx)
		if took := time.Since(start); took != bound {
			t.Errorf("GracefulStop returned after %v, want at its context's end, %v", took, bound)
		}
		for range calls {
			if st := wire.StatusOf(<-errs); st.Code != wire.Unavailable {
				t.Errorf("a call cut by the stop ended with %v, want UNAVAILABLE", st)
			}
			if err := <-g.ended; !errors.Is(err, context.Canceled) {
				t.Errorf("a handler's context ended with %v, want Canceled", err)
			}
		}
	})
}

// TestGracefulStopUnderLoad: calls keep starting while the server stops
// gracefully. None is lost (every call whose handler ran gets its response)
// and none hangs (every call ends, with OK or UNAVAILABLE), and
// GracefulStop returns once the last call in flight has ended.
func TestGracefulStopUnderLoad(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var handled atomic.Int64
	srv, addr := testsvc.Start(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			handled.Add(1)
			select {
			case <-time.After(20 * time.Millisecond):
				return in, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
	})
	cc := testsvc.Dial(t, addr)
	if err := cc.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	const workers = 8
	var ok, unavailable atomic.Int64
	var wg sync.WaitGroup
	stopping := make(chan struct{})
	warmedUp := make(chan struct{})
	var fail sync.Once
	var failure error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
				_, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String("x"))
				cancel()
				switch st := wire.StatusOf(err); {
				case err == nil:
					if ok.Add(1) == 2*workers {
						close(warmedUp) // every worker is calling, and some calls got through
					}
				case st.Code == wire.Unavailable:
					unavailable.Add(1)
					select {
					case <-stopping:
						return
					default:
						fail.Do(func() { failure = err })
						return
					}
				default:
					fail.Do(func() { failure = err })
					return
				}
			}
		}()
	}
	within(t, warmedUp, "the first calls to succeed")
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	close(stopping)
	srv.GracefulStop(ctx)
	if ctx.Err() != nil {
		t.Error("GracefulStop waited for its context: a call hung")
	}
	wg.Wait()
	if failure != nil {
		t.Fatalf("a call failed with %v", failure)
	}
	if h, o := handled.Load(), ok.Load(); h != o {
		t.Errorf("%d calls reached a handler but %d got their response: %d lost", h, o, h-o)
	}
	if unavailable.Load() != workers {
		t.Errorf("%d calls ended UNAVAILABLE; want exactly one per worker, the first after the stop", unavailable.Load())
	}
}
