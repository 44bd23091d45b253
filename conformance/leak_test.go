package conformance

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// Goroutines may take a moment to exit after Close and Stop return (a
// reader goroutine still draining a closed socket, a timer's function); the
// check polls the goroutine list for up to leakWait before it fails, every
// leakPoll.
const (
	leakWait = 5 * time.Second
	leakPoll = 10 * time.Millisecond
)

// checkNoLeaks fails t if goroutines that did not exist when it was called
// are still running once t's cleanups have run. Call it first in a test, so
// that its check, a cleanup itself, runs after the cleanups that stop
// servers and close clients. It tells goroutines apart by their ids, which
// the runtime never reuses, so it is only exact when no other test runs at
// the same time: the tests of this package do not call t.Parallel.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(leakWait)
		for {
			var leaked []string
			for id, stack := range goroutines() {
				if _, ok := before[id]; !ok {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutine(s) started by %s still running %v after it ended:\n\n%s",
					len(leaked), t.Name(), leakWait, strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(leakPoll)
		}
	})
}

// goroutines returns the stack of every goroutine but the caller's, by id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	// runtime.Stack writes the caller's goroutine first, then the others,
	// each as "goroutine ID [state]:\n" and its frames, separated by a
	// blank line.
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(g, "goroutine "), " ")
		out[id] = g
	}
	return out
}
