package framing

import "sync"

// scratchPool holds the temporary buffers that compression needs: the
// compressed bytes of an incoming message before they are decompressed, and the
// compressed bytes of an outgoing message before they replace the original in
// the frame buffer. Pointers are pooled so that Put does not allocate.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

// getScratch returns a pooled buffer of length n (its contents are garbage).
func getScratch(n int) *[]byte {
	p := scratchPool.Get().(*[]byte)
	if cap(*p) < n {
		*p = make([]byte, n)
	}
	*p = (*p)[:n]
	return p
}

// putScratch returns p to the pool unless it grew too big to be worth keeping.
func putScratch(p *[]byte) {
	if cap(*p) > maxPooledScratch {
		*p = nil
	}
	scratchPool.Put(p)
}

// growExact returns b with room for exactly n more bytes, in one allocation
// of that size. Decompression uses it because its steps are already sized and
// capped at the limit; append's rounding would let a bomb allocate past it.
func growExact(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	next := make([]byte, len(b), len(b)+n)
	copy(next, b)
	return next
}

// growAmortized returns b with room for at least n more bytes, doubling its
// capacity when that is more, so that appending many messages to one frame
// buffer costs amortized constant time. It allocates once, unlike
// slices.Grow under the race detector.
func growAmortized(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	next := make([]byte, len(b), max(len(b)+n, 2*cap(b)))
	copy(next, b)
	return next
}
