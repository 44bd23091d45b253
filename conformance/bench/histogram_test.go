package bench

import (
	"math"
	"testing"
	"time"
)

// TestBuckets walks values across every scale and checks that each falls
// in a bucket whose bounds hold it and whose width is within the promised
// relative error.
func TestBuckets(t *testing.T) {
	check := func(v uint64) {
		t.Helper()
		i := bucketOf(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("bucketOf(%d) = %d, outside [0, %d)", v, i, histBuckets)
		}
		lo := bucketLow(i)
		if v < lo {
			t.Fatalf("bucketOf(%d) = %d, whose low bound %d is above it", v, i, lo)
		}
		if i+1 < histBuckets {
			hi := bucketLow(i + 1)
			if v >= hi {
				t.Fatalf("bucketOf(%d) = %d, whose next bucket starts at %d", v, i, hi)
			}
			if lo >= 1<<subBits && float64(hi-lo)/float64(lo) > 1.0/(1<<subBits)+1e-12 {
				t.Fatalf("bucket %d is [%d, %d): wider than 1/%d of its low bound", i, lo, hi, 1<<subBits)
			}
		}
	}
	for v := range uint64(4096) {
		check(v)
	}
	for e := range 64 {
		p := uint64(1) << e
		for _, v := range []uint64{p - 1, p, p + 1, p + p/3} {
			check(v)
		}
	}
	check(math.MaxUint64)
	for i := 1; i < histBuckets; i++ {
		if bucketLow(i) <= bucketLow(i-1) {
			t.Fatalf("bucketLow(%d) = %d is not above bucketLow(%d) = %d", i, bucketLow(i), i-1, bucketLow(i-1))
		}
		if bucketOf(bucketLow(i)) != i {
			t.Fatalf("bucketOf(bucketLow(%d)) = %d", i, bucketOf(bucketLow(i)))
		}
	}
}

func TestQuantile(t *testing.T) {
	var h Histogram
	if got := h.Quantile(0.5); got != 0 {
		t.Errorf("empty histogram's median = %v, want 0", got)
	}
	// 1..1000 µs, one each: the p50 is 500 µs and the p99 990 µs.
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	h.Record(-time.Second) // counts as zero
	if h.Count() != 1001 {
		t.Fatalf("Count = %d, want 1001", h.Count())
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 500 * time.Microsecond},
		{0.99, 990 * time.Microsecond},
		{1, 1000 * time.Microsecond},
	} {
		got := h.Quantile(tc.q)
		if rel := math.Abs(float64(got-tc.want)) / float64(tc.want); rel > 1.0/(1<<subBits) {
			t.Errorf("Quantile(%v) = %v, want %v within %.1f%%", tc.q, got, tc.want, 100.0/(1<<subBits))
		}
	}
	if got := h.Quantile(0); got != 0 {
		t.Errorf("Quantile(0) = %v, want the recorded zero", got)
	}

	var a, b Histogram
	a.Record(time.Millisecond)
	b.Record(3 * time.Millisecond)
	b.Record(3 * time.Millisecond)
	a.Merge(&b)
	if a.Count() != 3 || a.Quantile(0.5) < 2*time.Millisecond {
		t.Errorf("merged: count %d, median %v; want 3 and about 3ms", a.Count(), a.Quantile(0.5))
	}
	a.Reset()
	if a.Count() != 0 || a.Quantile(0.5) != 0 {
		t.Errorf("after Reset: count %d, median %v", a.Count(), a.Quantile(0.5))
	}
}

// TestRecordDoesNotAllocate guards the load generator's promise that it
// allocates nothing of its own while measured.
func TestRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(100, func() { h.Record(123 * time.Microsecond) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}
