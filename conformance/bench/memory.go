package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"grpcwire/conformance/benchpb"
)

// Idle is what each idle connection or stream holds on a server: the
// growth of its live heap and goroutine stacks, and of its goroutines,
// divided by their number, each measured after forced garbage collection.
type Idle struct {
	N          int
	Heap       float64 // bytes of live heap per unit
	Stack      float64 // bytes of goroutine stacks per unit
	Goroutines float64
}

// Bytes is heap and stacks together.
func (i Idle) Bytes() float64 { return i.Heap + i.Stack }

func idleDelta(before, after Snapshot, n int) Idle {
	f := float64(n)
	return Idle{
		N:          n,
		Heap:       (float64(after.HeapLive) - float64(before.HeapLive)) / f,
		Stack:      (float64(after.Stacks) - float64(before.Stacks)) / f,
		Goroutines: float64(after.Goroutines-before.Goroutines) / f,
	}
}

// MemoryMeasurement is one server's idle costs in one round.
type MemoryMeasurement struct {
	// Conn is the cost of each idle connection, Stream of each idle stream.
	Conn, Stream Idle
	// Err is why the measurement failed, or "".
	Err string
}

// memoryPool is how many connections or streams the load generator opens
// at once: enough to hide a round trip's latency, few enough not to
// measure a burst.
const memoryPool = 16

// measureMemory starts impl and measures, with grpc-go's client as the
// load generator, what conns idle connections cost it (each has made one
// unary call, then stays open), then what streams idle streams cost it on
// one more connection (each a bidi call that has made one round trip and
// stays open).
func measureMemory(l Launcher, impl string, conns, streams int, goWindow int32) (m MemoryMeasurement, err error) {
	srv, err := l.Launch(impl, "")
	if err != nil {
		return m, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	req := &benchpb.Payload{Payload: make([]byte, SmallSize)}
	ctx, cancel := context.WithTimeout(context.Background(), callBound)
	defer cancel()

	if conns > 0 {
		before, err := srv.Stats(true)
		if err != nil {
			return m, err
		}
		clients := make([]Client, conns)
		err = inPool(conns, func(i int) error {
			c, err := dialGo(srv.Addr(), goWindow)
			if err != nil {
				return err
			}
			clients[i] = c
			return c.Unary(ctx, req)
		})
		if err == nil {
			time.Sleep(settleDelay)
			var after Snapshot
			if after, err = srv.Stats(true); err == nil {
				m.Conn = idleDelta(before, after, conns)
			}
		}
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
		if err != nil {
			return m, fmt.Errorf("idle connections: %w", err)
		}
	}

	if streams > 0 {
		c, err := dialGo(srv.Addr(), goWindow)
		if err != nil {
			return m, err
		}
		defer c.Close()
		if err := c.Unary(ctx, req); err != nil {
			return m, err
		}
		time.Sleep(settleDelay)
		before, err := srv.Stats(true)
		if err != nil {
			return m, err
		}
		sctx, scancel := context.WithCancel(ctx)
		defer scancel()
		err = inPool(streams, func(int) error {
			pp, err := c.Bidi(sctx)
			if err != nil {
				return err
			}
			return pp.RoundTrip(req)
		})
		if err != nil {
			return m, fmt.Errorf("idle streams: %w", err)
		}
		time.Sleep(settleDelay)
		after, err := srv.Stats(true)
		if err != nil {
			return m, err
		}
		m.Stream = idleDelta(before, after, streams)
	}
	return m, nil
}

// inPool runs f(0..n-1) on memoryPool goroutines and returns the first
// error; after one, the rest are skipped.
func inPool(n int, f func(int) error) error {
	next := make(chan int)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for range min(n, memoryPool) {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					first = errors.Join(first, fmt.Errorf("#%d: %w", i, err))
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
