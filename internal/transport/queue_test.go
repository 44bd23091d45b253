package transport

import "testing"

// TestQueueOrderAcrossGrowth pushes bursts far larger than maxKeptQueue,
// one request and several at a time, taking them in between as the writer
// does, and checks that every request comes out once and in order: the
// pooled slices that replace a full one (growLocked) and the slices handed
// back (take's done) must lose nothing. trim then lets the large slices
// go, and the next burst starts at the last one's size.
func TestQueueOrderAcrossGrowth(t *testing.T) {
	var q queue
	q.init()
	next, seen := uint32(0), uint32(0)
	var prev []writeReq
	takeAll := func() int {
		items, open := q.take(prev)
		if !open {
			t.Fatal("queue closed")
		}
		for i := range items {
			if items[i].streamID != seen {
				t.Fatalf("request %d came out as %d", seen, items[i].streamID)
			}
			seen++
		}
		prev = items
		return len(items)
	}
	for burst, size := range []int{10, 1000, 3, 5000, 200} {
		for pushed := 0; pushed < size; {
			if pushed%7 == 0 {
				q.pushN(writeReq{kind: reqResetID, streamID: next}, writeReq{kind: reqResetID, streamID: next + 1}, writeReq{kind: reqResetID, streamID: next + 2})
				next += 3
				pushed += 3
			} else {
				q.push1(writeReq{kind: reqResetID, streamID: next})
				next++
				pushed++
			}
			if burst == 1 && pushed%300 == 0 {
				takeAll() // the writer takes while the burst goes on
			}
		}
		takeAll()
		if n := takeAll(); n != 0 {
			t.Fatalf("%d requests after an empty take", n)
		}
		prev = nil
		q.trim()
		if cap(q.items) > maxKeptQueue || cap(q.spare) > maxKeptQueue {
			t.Fatalf("after trim the queue keeps slices of %d and %d requests", cap(q.items), cap(q.spare))
		}
	}
	if seen != next {
		t.Fatalf("%d requests taken of %d pushed", seen, next)
	}
	// The last burst was 200: the next one takes a slice of that size at
	// its first growth.
	for range maxKeptQueue + 1 {
		q.push1(writeReq{kind: reqResetID})
	}
	if cap(q.items) < 200 {
		t.Fatalf("a burst after one of 200 grew to %d, not at once to the hint", cap(q.items))
	}
	q.close()
	if _, open := q.take(nil); open {
		t.Fatal("queue open after close")
	}
	if err := q.push1(writeReq{}); err != errQueueClosed {
		t.Fatalf("push after close: %v", err)
	}
}
