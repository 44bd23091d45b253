package conformance

import (
	"context"
	"testing"
	"time"

	"grpcwire/conformance/echopb"
	"grpcwire/wire"
)

// gracefulCallSleep is how long the call in flight during a graceful stop
// takes: long enough that the stop begins while it runs.
const gracefulCallSleep = 150 * time.Millisecond

// TestGracefulStop stops the server gracefully while a call of each kind is
// in its handler: the server must send GOAWAY, let the call finish with OK
// and its response, and only then stop; a call made afterwards fails with
// UNAVAILABLE.
func TestGracefulStop(t *testing.T) {
	for _, k := range callKinds {
		t.Run(k.String(), func(t *testing.T) {
			forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
				tag := t.Name()
				ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
				defer cancel()
				done := make(chan outcome, 1)
				req := &echopb.EchoRequest{Tag: tag, SleepMs: gracefulCallSleep.Milliseconds(), Payload: []byte("in flight")}
				go func() { done <- call(ctx, p.client, k, callOpts{}, req) }()
				if err := p.rec.WaitStarted(ctx, tag); err != nil {
					t.Fatal(err)
				}
				stopped := make(chan struct{})
				go func() { p.gracefulStop(); close(stopped) }()
				out := <-done
				if out.code != 0 || len(out.responses) != expectedResponses(k, req) {
					t.Fatalf("the call in flight got %v, want it to finish", out)
				}
				select {
				case <-stopped:
				case <-time.After(clientBound):
					t.Fatalf("the server had not stopped %v after its last call ended", clientBound)
				}
				if len(p.tap.responses().goaways) == 0 {
					t.Errorf("the server sent no GOAWAY")
				}
				after := call(ctx, p.client, k, callOpts{}, &echopb.EchoRequest{})
				if after.code != uint32(wire.Unavailable) {
					t.Errorf("a call after the stop got %v, want UNAVAILABLE", after)
				}
			})
		})
	}
}
