package bench

import (
	"math/bits"
	"time"
)

// Histogram counts latencies in logarithmic buckets: below 2^subBits
// nanoseconds each nanosecond has a bucket, above it each power of two is
// cut into 2^subBits buckets, so a quantile is off by at most 1/2^subBits
// (about 3%) whatever the scale. Recording neither allocates nor locks:
// each worker of the load generator has its own, merged at the end.
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
}

const (
	subBits     = 5
	histBuckets = (64 - subBits + 1) << subBits
)

// bucketOf is the index of the bucket holding v nanoseconds.
func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	exp := bits.Len64(v) - 1
	sub := (v >> (exp - subBits)) & (1<<subBits - 1)
	return (exp-subBits+1)<<subBits + int(sub)
}

// bucketLow is the smallest value of bucket i.
func bucketLow(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	exp := i>>subBits + subBits - 1
	sub := uint64(i & (1<<subBits - 1))
	return 1<<exp | sub<<(exp-subBits)
}

// Record counts one latency; negative ones count as zero.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.n++
}

// Count is how many latencies were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Reset forgets every latency.
func (h *Histogram) Reset() { *h = Histogram{} }

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// Quantile returns the latency below which a fraction q of the recorded
// ones fall, as the middle of its bucket; zero when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo := bucketLow(i)
			hi := lo + 1
			if i+1 < histBuckets {
				hi = bucketLow(i + 1)
			}
			return time.Duration(lo + (hi-lo)/2)
		}
	}
	return time.Duration(bucketLow(histBuckets - 1))
}
