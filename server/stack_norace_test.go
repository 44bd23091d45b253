//go:build !race

package server_test

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/testsvc"
)

// stackAndGoroutines reads the bytes held for goroutine stacks and the
// number of goroutines after a forced GC, which also shrinks every stack
// that uses less than a quarter of itself.
func stackAndGoroutines() (stacks, goroutines uint64) {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}, {Name: "/sched/goroutines:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// TestIdleStreamStack: a bidi call that has made one small round trip and
// waits for its next message holds one goroutine on the server, whose
// stack stays within 4 KiB. The request checks run in a frame of their own
// that returns before the handler starts (see handleStream); when a frame
// under every handler grew, the handler goroutines' stacks doubled to
// 8 KiB, which the benchmarks' memory section showed per idle stream.
// The bound is 6 KiB, between the two: a 4 KiB stack measures a little
// over 4 KiB per stream here, since the runtime's stack spans and the
// connection's own goroutines move a little with the load. The
// test is off under the race detector, whose instrumentation enlarges
// frames and stacks. It measures in a process of its own: stacks that
// earlier tests (or earlier -count runs) freed stay reserved and would be
// reused, hiding the new goroutines' stacks from the count.
func TestIdleStreamStack(t *testing.T) {
	if os.Getenv("GRPCWIRE_STACK_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleStreamStack$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "GRPCWIRE_STACK_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Logf("measured in a fresh process:\n%s", out)
		if err != nil {
			t.Fatalf("the fresh process failed: %v", err)
		}
		return
	}
	const streams = 200
	_, addr := testsvc.Start(t, nil)
	cc := testsvc.Dial(t, addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// chat opens a Chat stream and makes one round trip on it.
	chat := func(msg string) *client.BidiStreamClient[wrapperspb.StringValue, wrapperspb.StringValue] {
		t.Helper()
		bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := bs.Send(wrapperspb.String(msg)); err != nil {
			t.Fatal(err)
		}
		if _, err := bs.Recv(); err != nil {
			t.Fatal(err)
		}
		return bs
	}
	chat("warm") // settles the connection's own goroutines and buffers

	stacks0, goroutines0 := stackAndGoroutines()
	open := make([]*client.BidiStreamClient[wrapperspb.StringValue, wrapperspb.StringValue], streams)
	for i := range open {
		open[i] = chat("hello")
	}
	stacks1, goroutines1 := stackAndGoroutines()
	perStream := float64(stacks1-stacks0) / streams
	g := float64(goroutines1-goroutines0) / streams
	t.Logf("per idle stream: %.0f bytes of stacks, %.2f goroutines", perStream, g)
	if g != 1 {
		t.Fatalf("%.2f goroutines per idle stream, want 1 (the server's handler; the client's streams have none)", g)
	}
	if perStream > 6<<10 {
		t.Errorf("%.0f bytes of stack per idle stream's handler, want about 4 KiB (at most 6 KiB); 8 KiB means a frame under every handler grew", perStream)
	}
	for _, bs := range open {
		bs.CloseSend()
		if _, err := bs.Recv(); err == nil {
			t.Error("a closed stream answered again")
		}
	}
}
