package h2test_test

import (
	"strings"
	"testing"
	"time"

	"grpcwire/internal/testkit/h2test"
)

// leakyWorker is a goroutine a test forgets to stop; its name must show up
// in the leak report.
func leakyWorker(stop <-chan struct{}) { <-stop }

func TestVerifyNoLeaks(t *testing.T) {
	t.Run("reports a goroutine still running", func(t *testing.T) {
		stop := make(chan struct{})
		defer close(stop)
		fake := newFakeTB(t)
		h2test.VerifyNoLeaksWithin(fake, 100*time.Millisecond)
		go leakyWorker(stop)
		start := time.Now()
		fake.runCleanups()
		if took := time.Since(start); took < 100*time.Millisecond || took > 5*time.Second {
			t.Errorf("the check took %v; it should wait its 100ms and then report", took)
		}
		out := fake.output()
		for _, want := range []string{"h2test.VerifyNoLeaks: 1 goroutine(s) started by", "still running 100ms after it ended", "h2test_test.leakyWorker", "leak_test.go:"} {
			if !strings.Contains(out, want) {
				t.Errorf("leak report lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("follows grandchildren whose parent exited", func(t *testing.T) {
		stop := make(chan struct{})
		defer close(stop)
		fake := newFakeTB(t)
		h2test.VerifyNoLeaksWithin(fake, 50*time.Millisecond)
		started := make(chan struct{})
		go func() {
			go leakyWorker(stop)
			close(started)
		}()
		<-started
		fake.runCleanups()
		if out := fake.output(); !strings.Contains(out, "leakyWorker") {
			t.Errorf("grandchild goroutine not reported:\n%s", out)
		}
	})

	t.Run("waits for goroutines that are exiting", func(t *testing.T) {
		fake := newFakeTB(t)
		h2test.VerifyNoLeaksWithin(fake, 5*time.Second)
		stop := make(chan struct{})
		go leakyWorker(stop)
		time.AfterFunc(50*time.Millisecond, func() { close(stop) })
		fake.runCleanups()
		if out := fake.output(); out != "" {
			t.Errorf("a goroutine that exited within the wait was reported:\n%s", out)
		}
	})

	t.Run("ignores goroutines started before the call", func(t *testing.T) {
		stop := make(chan struct{})
		defer close(stop)
		go leakyWorker(stop) // before VerifyNoLeaks: not this check's business
		fake := newFakeTB(t)
		h2test.VerifyNoLeaksWithin(fake, 50*time.Millisecond)
		fake.runCleanups()
		if out := fake.output(); out != "" {
			t.Errorf("a goroutine started before the check was reported:\n%s", out)
		}
	})

	t.Run("ignores other tests running in parallel", func(t *testing.T) {
		stop := make(chan struct{})
		defer close(stop)
		other := make(chan struct{})
		// Another goroutine tree, standing in for a parallel test, starts a
		// goroutine while this check is active.
		go func() {
			<-other
			go leakyWorker(stop)
			close(other)
		}()
		fake := newFakeTB(t)
		h2test.VerifyNoLeaksWithin(fake, 50*time.Millisecond)
		other <- struct{}{}
		<-other
		fake.runCleanups()
		if out := fake.output(); out != "" {
			t.Errorf("a goroutine of another test was reported:\n%s", out)
		}
	})
}
