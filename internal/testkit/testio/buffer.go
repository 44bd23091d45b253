// Package testio holds the one concurrency-safe output buffer of grpcwire's
// tests: what a connection's goroutines, a logger, a trace or a child
// process write while the test reads it, and waits for.
//
// The package is a test helper: it imports "testing" and is meant to be
// used only from _test.go files. It depends on the standard library only,
// so that every package's tests can use it.
package testio

import (
	"bytes"
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

// WaitFor waits, up to WaitTimeout, until a line contains every one of
// want, and returns that line; it fails the test with everything written
// otherwise. It wakes at each Write rather than polling.
func (b *Buffer) WaitFor(t testing.TB, want ...string) string {
	t.Helper()
	timer := time.NewTimer(WaitTimeout)
	defer timer.Stop()
	for {
		b.mu.Lock()
		text := b.buf.String()
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		if line, ok := lineWithAll(text, want); ok {
			return line
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("nothing written contains all of %q within %v; what was written:\n%s", want, WaitTimeout, b.String())
			return ""
		}
	}
}

// lineWithAll returns the first non-empty line of text that contains every
// one of want.
func lineWithAll(text string, want []string) (string, bool) {
	for _, line := range strings.Split(text, "\n") {
		ok := line != ""
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return line, true
		}
	}
	return "", false
}
