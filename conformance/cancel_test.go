package conformance

import (
	"context"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/conformance/echopb"
	"grpcwire/wire"
)

// startBlockedCall starts a call of kind k whose handler sleeps for
// handlerSleep, waits until the handler runs, and returns the call's
// cancel function and a channel that yields its outcome.
func startBlockedCall(t *testing.T, p *pair, k callKind, tag string) (context.CancelFunc, <-chan outcome) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	done := make(chan outcome, 1)
	req := &echopb.EchoRequest{Tag: tag, SleepMs: handlerSleep.Milliseconds()}
	go func() { done <- call(ctx, p.client, k, callOpts{}, req) }()
	wctx, wcancel := context.WithTimeout(context.Background(), callTimeout)
	defer wcancel()
	if err := p.rec.WaitStarted(wctx, tag); err != nil {
		cancel()
		<-done
		t.Fatal(err)
	}
	return cancel, done
}

// waitOutcome waits up to clientBound for a call to end.
func waitOutcome(t *testing.T, done <-chan outcome) outcome {
	t.Helper()
	select {
	case out := <-done:
		return out
	case <-time.After(clientBound):
		t.Fatalf("the call did not end within %v", clientBound)
		return outcome{}
	}
}

// TestClientCancel cancels every kind of call while its handler runs: the
// client must fail at once with CANCELLED, send RST_STREAM(CANCEL), and the
// handler's context must end.
func TestClientCancel(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				tag := t.Name()
				cancel, done := startBlockedCall(t, p, k, tag)
				at := time.Now()
				cancel()
				out := waitOutcome(t, done)
				if out.code != uint32(wire.Canceled) {
					t.Fatalf("got %v, want CANCELLED", out)
				}
				waitHandlerEnd(t, p, tag, at)
			})
		}
		// "If the client cancels, it sends RST_STREAM with CANCEL"
		// (PROTOCOL-HTTP2.md, "Errors"): one per call.
		n := 0
		for _, r := range p.tap.requests().resets {
			if r.code == http2.ErrCodeCancel {
				n++
			}
		}
		if n != len(callKinds) {
			t.Errorf("the client sent %d RST_STREAM(CANCEL), want %d (one per cancelled call)", n, len(callKinds))
		}
	})
}

// TestServerCancelStatus has the handler end every kind of call with
// CANCELLED: the client must see CANCELLED with the handler's message.
func TestServerCancelStatus(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				const msg = "the handler gave up"
				req := &echopb.EchoRequest{Status: &echopb.ResponseStatus{Code: int32(wire.Canceled), Message: msg}}
				out := call(callContext(t), p.client, k, callOpts{}, req)
				if out.code != uint32(wire.Canceled) || out.message != msg {
					t.Fatalf("got %v, want CANCELLED %q", out, msg)
				}
			})
		}
	})
}

// TestServerGone ends the server's side while calls are blocked in their
// handlers, by stopping the server and by cutting its TCP connection: the
// client must fail with UNAVAILABLE, and the handler's context must end.
func TestServerGone(t *testing.T) {
	ways := []struct {
		name string
		kill func(p *pair)
	}{
		{"server_stop", func(p *pair) { p.stop() }},
		{"connection_cut", func(p *pair) { p.tap.closeConns() }},
	}
	for _, way := range ways {
		for _, k := range callKinds {
			t.Run(way.name+"/"+k.String(), func(t *testing.T) {
				// Each call needs a server of its own, since it ends it.
				forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
					tag := t.Name()
					_, done := startBlockedCall(t, p, k, tag)
					at := time.Now()
					way.kill(p)
					out := waitOutcome(t, done)
					if out.code != uint32(wire.Unavailable) {
						t.Fatalf("got %v, want UNAVAILABLE", out)
					}
					waitHandlerEnd(t, p, tag, at)
				})
			})
		}
	}
}
