// Package bufpool keeps byte buffers for reuse, in power-of-two size classes
// from 512 B to 16 MiB. The HTTP/2 engine uses it for received DATA payloads
// and for the connection's write buffer; server and client use it for
// marshalled messages. Pooling these is what keeps a call from allocating its
// message bytes twice.
//
// Buffers travel as *[]byte so that Put does not allocate.
package bufpool

import (
	"math/bits"
	"sync"
)

const (
	minShift = 9  // 512 B: smaller buffers are cheaper to allocate than to pool
	maxShift = 24 // 16 MiB: the largest HTTP/2 frame; larger buffers are not kept
)

var pools [maxShift - minShift + 1]sync.Pool

// class returns the index of the smallest class holding n bytes, or -1 when
// n is larger than every class.
func class(n int) int {
	if n <= 1<<minShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minShift
	if c >= len(pools) {
		return -1
	}
	return c
}

// Get returns a buffer of length n. Its capacity is n rounded up to a size
// class; its contents are undefined.
func Get(n int) *[]byte {
	c := class(n)
	if c < 0 {
		b := make([]byte, n)
		return &b
	}
	if v := pools[c].Get(); v != nil {
		bp := v.(*[]byte)
		*bp = (*bp)[:n]
		return bp
	}
	b := make([]byte, n, 1<<(c+minShift))
	return &b
}

// Put returns a buffer obtained from Get. The caller must not use it after.
// Buffers whose capacity is not exactly a size class are dropped.
func Put(bp *[]byte) {
	if bp == nil {
		return
	}
	cp := cap(*bp)
	c := class(cp)
	if c < 0 || 1<<(c+minShift) != cp {
		return
	}
	*bp = (*bp)[:0]
	pools[c].Put(bp)
}

// boxes holds spare *[]byte headers for GetSlice and PutSlice, so that
// pooling a plain []byte does not allocate a header each time.
var boxes sync.Pool

// GetSlice is Get for callers that keep a plain []byte: it returns a slice
// of length n whose capacity is a size class.
func GetSlice(n int) []byte {
	bp := Get(n)
	b := *bp
	*bp = nil
	boxes.Put(bp)
	return b
}

// PutSlice returns a slice obtained from GetSlice (or from Get). Slices whose
// capacity is not a size class are dropped.
func PutSlice(b []byte) {
	c := class(cap(b))
	if c < 0 || 1<<(c+minShift) != cap(b) {
		return
	}
	bp, _ := boxes.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	*bp = b[:0]
	pools[c].Put(bp)
}
