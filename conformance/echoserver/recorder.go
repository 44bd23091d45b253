package echoserver

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Recorder keeps what the handlers of tagged calls (EchoRequest.tag) went
// through, for tests that must see the server's side of a call: that the
// handler started, and that its context had ended by the time it returned,
// as a deadline or a cancellation should make it. Both implementations
// record the same way. The zero value is ready to use.
type Recorder struct {
	mu    sync.Mutex
	calls map[string]*record
}

// record is one tagged call's progress. started and ended are closed once
// each; ctxErr and endedAt are written before ended is closed.
type record struct {
	started chan struct{}
	ended   chan struct{}
	didEnd  bool
	ctxErr  error
	endedAt time.Time
}

// HandlerEnd is how a tagged call's handler returned.
type HandlerEnd struct {
	// CtxErr is the handler context's Err() when the handler returned: nil
	// if the context was still live, context.Canceled or
	// context.DeadlineExceeded if not.
	CtxErr error
	// At is when the handler returned.
	At time.Time
}

func (r *Recorder) get(tag string) *record {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string]*record{}
	}
	rec, ok := r.calls[tag]
	if !ok {
		rec = &record{started: make(chan struct{}), ended: make(chan struct{})}
		r.calls[tag] = rec
	}
	return rec
}

// start records that the handler of the call tagged tag started, and
// returns the function to call when it returns. A repeated tag is a test
// bug; the later call is then not recorded.
func (r *Recorder) start(tag string) (end func(ctx context.Context)) {
	if r == nil || tag == "" {
		return func(context.Context) {}
	}
	rec := r.get(tag)
	r.mu.Lock()
	select {
	case <-rec.started:
		r.mu.Unlock()
		return func(context.Context) {}
	default:
	}
	close(rec.started)
	r.mu.Unlock()
	return func(ctx context.Context) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if rec.didEnd {
			return
		}
		rec.didEnd = true
		rec.ctxErr = ctx.Err()
		rec.endedAt = time.Now()
		close(rec.ended)
	}
}

// WaitStarted waits until the handler of the call tagged tag has started,
// or ctx ends.
func (r *Recorder) WaitStarted(ctx context.Context, tag string) error {
	select {
	case <-r.get(tag).started:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("the handler of call %q did not start: %w", tag, ctx.Err())
	}
}

// WaitEnded waits until the handler of the call tagged tag has returned,
// or ctx ends, and says how it returned.
func (r *Recorder) WaitEnded(ctx context.Context, tag string) (HandlerEnd, error) {
	rec := r.get(tag)
	select {
	case <-rec.ended:
		r.mu.Lock()
		defer r.mu.Unlock()
		return HandlerEnd{CtxErr: rec.ctxErr, At: rec.endedAt}, nil
	case <-ctx.Done():
		return HandlerEnd{}, fmt.Errorf("the handler of call %q did not return: %w", tag, ctx.Err())
	}
}
