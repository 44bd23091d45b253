package conformance

import (
	"context"
	"testing"
	"time"

	"grpcwire/conformance/echopb"
	"grpcwire/wire"
)

// Bounds for the deadline and cancellation tests. A call must end on the
// client within clientBound of its deadline or cancellation, and its
// handler must see its context end within handlerBound: both are far above
// what loopback needs, so that a slow, shared machine does not fail them,
// and far below the handler's requested sleep (handlerSleep), so that a
// handler that ignores its context cannot pass.
const (
	shortDeadline = 200 * time.Millisecond
	clientBound   = 2 * time.Second
	handlerBound  = 3 * time.Second
	handlerSleep  = 20 * time.Second
)

// TestDeadlinePropagation checks that the client's deadline reaches the
// server (grpc-timeout): the handler's context has a deadline no later than
// the client's and not long before it.
func TestDeadlinePropagation(t *testing.T) {
	const timeout = 5 * time.Second
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), timeout)
				defer cancel()
				out := call(ctx, p.client, k, callOpts{}, &echopb.EchoRequest{ResponseCount: 1})
				if out.code != 0 || len(out.responses) == 0 {
					t.Fatalf("call failed: %v", out)
				}
				left := time.Duration(out.responses[0].DeadlineLeftMs) * time.Millisecond
				if left <= 0 || left > timeout || left < timeout-clientBound {
					t.Errorf("the handler had %v left of the client's %v", left, timeout)
				}
			})
		}
		// On the wire: every request carries a grpc-timeout that parses
		// and does not exceed the client's timeout.
		n := 0
		for _, h := range p.tap.requests().headers {
			for _, f := range h.fields {
				if f.Name != wire.HeaderTimeout {
					continue
				}
				n++
				d, err := wire.ParseTimeout(f.Value)
				if err != nil || d <= 0 || d > timeout {
					t.Errorf("grpc-timeout %q: %v, %v; want at most %v", f.Value, d, err, timeout)
				}
			}
		}
		if n != len(callKinds) {
			t.Errorf("%d requests carried grpc-timeout, want %d", n, len(callKinds))
		}
	})
}

// TestDeadlineExceeded makes every kind of call outlive its deadline while
// the handler sleeps: the client must fail with DEADLINE_EXCEEDED on time,
// and the handler's context must end.
func TestDeadlineExceeded(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				tag := t.Name()
				req := &echopb.EchoRequest{Tag: tag, SleepMs: handlerSleep.Milliseconds()}
				ctx, cancel := context.WithTimeout(t.Context(), shortDeadline)
				defer cancel()
				start := time.Now()
				out := call(ctx, p.client, k, callOpts{}, req)
				took := time.Since(start)
				if out.code != uint32(wire.DeadlineExceeded) {
					t.Fatalf("got %v, want DEADLINE_EXCEEDED", out)
				}
				if took > shortDeadline+clientBound {
					t.Errorf("the call took %v with a deadline of %v", took, shortDeadline)
				}
				waitHandlerEnd(t, p, tag, start.Add(shortDeadline))
			})
		}
	})
}

// TestDeadlineAfterMessages lets a server-streaming call deliver two
// messages before its deadline passes: the client gets them, then
// DEADLINE_EXCEEDED.
func TestDeadlineAfterMessages(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		tag := t.Name()
		req := &echopb.EchoRequest{Tag: tag, ResponseCount: 2, SleepMs: handlerSleep.Milliseconds()}
		ctx, cancel := context.WithTimeout(t.Context(), shortDeadline)
		defer cancel()
		start := time.Now()
		out := p.client.serverStream(ctx, callOpts{}, req)
		if out.code != uint32(wire.DeadlineExceeded) || len(out.responses) != 2 {
			t.Fatalf("got %v, want 2 responses then DEADLINE_EXCEEDED", out)
		}
		waitHandlerEnd(t, p, tag, start.Add(shortDeadline))
	})
}

// TestDeadlineAlreadyPassed starts calls whose deadline has passed: the
// client fails them with DEADLINE_EXCEEDED without sending them.
func TestDeadlineAlreadyPassed(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
				defer cancel()
				out := call(ctx, p.client, k, callOpts{}, &echopb.EchoRequest{})
				if out.code != uint32(wire.DeadlineExceeded) {
					t.Fatalf("got %v, want DEADLINE_EXCEEDED", out)
				}
			})
		}
		if n := len(p.tap.requests().headers); n != 0 {
			t.Errorf("%d request(s) reached the server; calls past their deadline must not be sent", n)
		}
	})
}

// waitHandlerEnd waits for the handler of the call tagged tag to return and
// checks that its context had ended, within handlerBound of since.
func waitHandlerEnd(t *testing.T, p *pair, tag string, since time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), handlerSleep/2)
	defer cancel()
	end, err := p.rec.WaitEnded(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if end.CtxErr == nil {
		t.Errorf("the handler returned with its context still live")
	}
	if d := end.At.Sub(since); d > handlerBound {
		t.Errorf("the handler returned %v after the call ended on the client; want within %v", d, handlerBound)
	}
}
