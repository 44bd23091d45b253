package bench

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// leakWait bounds how long goroutines may take to exit after the clients
// and servers of a test are closed (grpc-go ends some asynchronously).
const leakWait = 5 * time.Second

// checkNoLeaks fails t if goroutines started during t are still running
// once its cleanups have run. Call it first. Goroutines are told apart by
// id, which the runtime never reuses; the tests here are not parallel.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := goroutineStacks()
	t.Cleanup(func() {
		deadline := time.Now().Add(leakWait)
		for {
			var leaked []string
			for id, stack := range goroutineStacks() {
				if _, ok := before[id]; !ok {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutine(s) still running %v after the test:\n\n%s", len(leaked), leakWait, strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// goroutineStacks returns every other goroutine's stack by id.
func goroutineStacks() map[string]string {
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
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // the caller's own
			continue
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(g, "goroutine "), " ")
		out[id] = g
	}
	return out
}
