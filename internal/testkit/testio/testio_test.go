package testio_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"grpcwire/internal/testkit/testio"
)

// TestBufferWaits: writers on other goroutines wake each wait, which
// returns the line (or what follows the prefix) once it is written.
func TestBufferWaits(t *testing.T) {
	var b testio.Buffer
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 50 {
			fmt.Fprintf(&b, "line %d of 50\n", i)
		}
		fmt.Fprintf(&b, "server: listening on 127.0.0.1:1234\n")
	})
	if got := b.WaitFor(t, "line 49", "of 50"); got != "line 49 of 50" {
		t.Errorf("WaitFor returned %q", got)
	}
	if got := b.WaitForPrefix(t, "server: listening on "); got != "127.0.0.1:1234" {
		t.Errorf("WaitForPrefix returned %q", got)
	}
	b.WaitUntil(t, "51 lines", func(written string) bool { return strings.Count(written, "\n") == 51 })
	wg.Wait()
	if n := b.Count("of 50"); n != 50 {
		t.Errorf("Count = %d, want 50", n)
	}
	b.Logger().Info("hello", "k", "v")
	b.WaitFor(t, "level=INFO", `msg=hello k=v`)
}

// TestCounter: Add on other goroutines wakes WaitAtLeast; Writer counts
// what the underlying writer took; Reset starts again from zero.
func TestCounter(t *testing.T) {
	var c testio.Counter
	var out bytes.Buffer
	w := c.Writer(&out)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 10 {
			w.Write([]byte("0123456789"))
		}
	}()
	c.WaitAtLeast(t, 100)
	<-done
	if c.Load() != 100 || out.Len() != 100 {
		t.Errorf("count %d, written %d; want 100 and 100", c.Load(), out.Len())
	}
	c.Reset()
	go c.Add(3)
	c.WaitAtLeast(t, 3)
	if c.Load() != 3 {
		t.Errorf("after Reset and Add(3): %d", c.Load())
	}
}
