package conformance

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"grpcwire/conformance/echopb"
)

// concurrentCalls is how many calls TestConcurrentCalls has in flight at
// once, a quarter of each kind.
const concurrentCalls = 100

// TestConcurrentCalls runs 100 calls at once on one client connection, of
// all four kinds, half of them gzipped, each with a payload of its own, and
// checks every answer reached the call that asked for it. The handlers wait
// a little so that the calls overlap on the connection, which carries them
// all (the tap sees one connection).
func TestConcurrentCalls(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		ctx := callContext(t)
		var wg sync.WaitGroup
		errs := make(chan error, concurrentCalls)
		for i := range concurrentCalls {
			k := callKinds[i%len(callKinds)]
			wg.Go(func() {
				payload := fmt.Appendf(nil, "call %d of kind %v", i, k)
				req := &echopb.EchoRequest{Payload: payload, ResponseCount: 3, SleepMs: 20}
				out := call(ctx, p.client, k, callOpts{gzip: i%2 == 0}, req)
				switch {
				case out.code != 0:
					errs <- fmt.Errorf("call %d (%v): %v", i, k, out)
				case len(out.responses) != expectedResponses(k, req):
					errs <- fmt.Errorf("call %d (%v): %d responses, want %d", i, k, len(out.responses), expectedResponses(k, req))
				default:
					for _, res := range out.responses {
						if !bytes.Equal(res.Payload, payload) {
							errs <- fmt.Errorf("call %d (%v): got the payload %q", i, k, res.Payload)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		p.tap.mu.Lock()
		conns := len(p.tap.conns)
		p.tap.mu.Unlock()
		if conns != 1 {
			t.Errorf("the client used %d connections, want 1", conns)
		}
		if n := len(p.tap.requests().headers); n != concurrentCalls {
			t.Errorf("the server saw %d requests, want %d", n, concurrentCalls)
		}
	})
}
