package server_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// maxStreamID is the largest stream id, 2^31-1 (RFC 9113 §5.1.1), which the
// first GOAWAY of a graceful shutdown names.
const maxStreamID = 1<<31 - 1

// TestGracefulStopTwoPhaseGoAway pins the graceful stop on the wire (RFC
// 9113 §6.8: "A server that is attempting to gracefully shut down a
// connection SHOULD send an initial GOAWAY frame with the last stream
// identifier set to 2^31-1 and a NO_ERROR code ... After allowing time for
// any in-flight stream creation (at least one round-trip time), the server
// MAY send another GOAWAY frame with an updated last stream identifier"):
// GOAWAY(2^31-1) and a PING; a stream the client opens before it has seen
// them is still served; once the PING is acknowledged, GOAWAY with the real
// last stream id; a stream above it is refused with REFUSED_STREAM; the
// calls in flight then finish and the connection closes.
func TestGracefulStopTwoPhaseGoAway(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	g := newGate()
	srv, addr := testsvc.Start(t, g.service())
	p := testsvc.RawClient(t, addr)
	p.Handshake()
	request(t, p, 1, "one")
	g.waitStarted(t, 1)

	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(ctx); close(stopped) }()

	first := p.ExpectGoAway(http2.ErrCodeNo)
	if first.LastStreamID != maxStreamID {
		t.Errorf("first GOAWAY names stream %d, want 2^31-1", first.LastStreamID)
	}
	ping := p.ExpectPing(false)
	// A stream opened "in flight", before the client saw the GOAWAY.
	request(t, p, 3, "three")
	g.waitStarted(t, 1)
	p.WritePing(true, ping)
	second := p.ExpectGoAway(http2.ErrCodeNo)
	if second.LastStreamID != 3 {
		t.Errorf("second GOAWAY names stream %d, want 3, the last one opened", second.LastStreamID)
	}
	request(t, p, 5, "five")
	p.ExpectRST(5, http2.ErrCodeRefusedStream)
	select {
	case <-stopped:
		t.Fatal("GracefulStop returned with calls in flight")
	default:
	}

	close(g.open)
	got := expectEchoes(t, p, 1, 3)
	if got[1] != "one" || got[3] != "three" {
		t.Errorf("responses %v; want both calls in flight answered", got)
	}
	p.ExpectClosed()
	within(t, stopped, "GracefulStop to return")
	if ctx.Err() != nil {
		t.Error("GracefulStop returned at its context's end, not when the calls had finished")
	}
}

// TestGracefulStopIdleConnection: a connection without calls gets both
// GOAWAYs (the second naming stream 0, none having been opened) and is
// closed.
func TestGracefulStopIdleConnection(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv, addr := testsvc.Start(t, nil)
	p := testsvc.RawClient(t, addr)
	p.Handshake()
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(context.Background()); close(stopped) }()
	if g := p.ExpectGoAway(http2.ErrCodeNo); g.LastStreamID != maxStreamID {
		t.Errorf("first GOAWAY names stream %d, want 2^31-1", g.LastStreamID)
	}
	p.WritePing(true, p.ExpectPing(false))
	if g := p.ExpectGoAway(http2.ErrCodeNo); g.LastStreamID != 0 {
		t.Errorf("second GOAWAY names stream %d, want 0", g.LastStreamID)
	}
	p.ExpectClosed()
	within(t, stopped, "GracefulStop to return")
}

// TestGracefulStopPingBound: a client that never acknowledges the PING
// gets the second GOAWAY after wire.DefaultGracefulStopPingBound, not never.
func TestGracefulStopPingBound(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		srv, ln := pipeServer(t, g.service())
		p := pipeRawClient(t, ln)
		request(t, p, 1, "one")
		g.waitStarted(t, 1)
		stopped := make(chan struct{})
		go func() { srv.GracefulStop(context.Background()); close(stopped) }()
		p.ExpectGoAway(http2.ErrCodeNo)
		p.ExpectPing(false)
		start := time.Now()
		second := p.ExpectGoAway(http2.ErrCodeNo)
		if waited := time.Since(start); waited != wire.DefaultGracefulStopPingBound {
			t.Errorf("the second GOAWAY came %v after the PING, want %v", waited, wire.DefaultGracefulStopPingBound)
		}
		if second.LastStreamID != 1 {
			t.Errorf("second GOAWAY names stream %d, want 1", second.LastStreamID)
		}
		close(g.open)
		expectEchoes(t, p, 1)
		p.ExpectClosed()
		<-stopped
	})
}

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
					ok.Add(1)
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
	for ok.Load() < 2*workers {
		time.Sleep(time.Millisecond)
	}
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
