// Package testio holds what grpcwire's tests wait on instead of polling
// with sleeps: the one concurrency-safe output buffer (Buffer), for what a
// connection's goroutines, a logger, a trace or a child process write while
// the test reads it, and a count that goroutines add to (Counter), such as
// the bytes a server has written. Each wakes its waiters at every change.
//
// The package is a test helper: it imports "testing" and is meant to be
// used only from _test.go files. It depends on the standard library only,
// so that every package's tests can use it.
package testio

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// WaitTimeout bounds Buffer.WaitFor: far above what a loopback connection
// takes to log or print something, even on a loaded 2-core machine, and far
// below the test binary's timeout.
const WaitTimeout = 10 * time.Second

// Buffer is a bytes.Buffer that any number of goroutines may write while
// others read it. The zero value is ready to use.
type Buffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at every Write, for WaitFor
}

// Write appends p and wakes WaitFor.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger returns a logger writing every level, as text, into b.
func (b *Buffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Count is how many lines contain s.
func (b *Buffer) Count(s string) int {
	n := 0
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// Changed returns a channel that the next Write closes, for waits that
// watch something else too (a process exiting). Take it before looking at
// String, so that no write falls between the two.
func (b *Buffer) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	return b.changed
}

// WaitFor waits, up to WaitTimeout, until a line contains every one of
// want, and returns that line; it fails the test with everything written
// otherwise. It wakes at each Write rather than polling.
func (b *Buffer) WaitFor(t testing.TB, want ...string) string {
	t.Helper()
	return b.waitLine(t, fmt.Sprintf("a line containing all of %q", want), func(line string) bool {
		for _, w := range want {
			if !strings.Contains(line, w) {
				return false
			}
		}
		return true
	})
}

// WaitForPrefix waits, as WaitFor does, for a line starting with prefix,
// and returns the rest of that line without surrounding white space.
func (b *Buffer) WaitForPrefix(t testing.TB, prefix string) string {
	t.Helper()
	line := b.waitLine(t, fmt.Sprintf("a line starting with %q", prefix), func(line string) bool {
		return strings.HasPrefix(line, prefix)
	})
	return strings.TrimSpace(strings.TrimPrefix(line, prefix))
}

// waitLine waits for the first non-empty line that match accepts.
func (b *Buffer) waitLine(t testing.TB, what string, match func(string) bool) string {
	t.Helper()
	var found string
	b.WaitUntil(t, what, func(written string) bool {
		for _, line := range strings.Split(written, "\n") {
			if line != "" && match(line) {
				found = line
				return true
			}
		}
		return false
	})
	return found
}

// WaitUntil waits, up to WaitTimeout, until done holds of everything
// written so far, and fails the test with what was written otherwise,
// saying that nothing written is what. It wakes at each Write rather than
// polling: for conditions a line cannot say, such as how many times
// something was written.
func (b *Buffer) WaitUntil(t testing.TB, what string, done func(written string) bool) {
	t.Helper()
	timer := time.NewTimer(WaitTimeout)
	defer timer.Stop()
	for {
		changed := b.Changed()
		if done(b.String()) {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("nothing written within %v is %s; what was written:\n%s", WaitTimeout, what, b.String())
			return
		}
	}
}
