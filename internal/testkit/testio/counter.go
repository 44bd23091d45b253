package testio

import (
	"io"
	"sync"
	"testing"
	"time"
)

// Counter is a number that goroutines add to while a test waits for it to
// reach a value: the bytes a server has written to a file, the calls a
// handler has had. It is the event to wait on where polling the thing
// counted (a Stat call, a directory listing) would be the only other sign.
// The zero value is ready to use.
type Counter struct {
	mu      sync.Mutex
	n       int64
	changed chan struct{} // closed and replaced at every change, for WaitAtLeast
}

// Add adds d and wakes WaitAtLeast.
func (c *Counter) Add(d int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += d
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// Reset sets the count back to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.n = 0
	c.mu.Unlock()
}

// Load returns the count.
func (c *Counter) Load() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// WaitAtLeast waits, up to WaitTimeout, until the count is at least n, and
// fails the test otherwise. It wakes at each Add rather than polling.
func (c *Counter) WaitAtLeast(t testing.TB, n int64) {
	t.Helper()
	timer := time.NewTimer(WaitTimeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		got := c.n
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		changed := c.changed
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("testio: the count is %d after %v, want at least %d", c.Load(), WaitTimeout, n)
			return
		}
	}
}

// Writer returns a writer that writes to w and adds to c the bytes w took,
// once w has taken them.
func (c *Counter) Writer(w io.Writer) io.Writer { return countingWriter{w: w, c: c} }

// countingWriter is Counter.Writer's writer.
type countingWriter struct {
	w io.Writer
	c *Counter
}

// Write writes p to the underlying writer, then counts what it took.
func (cw countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.c.Add(int64(n))
	return n, err
}
