package transport

import (
	"testing"
	"time"
)

// TestBucket walks a token bucket of burst 3 and rate 2 per second through
// a burst, a refused take, a partial refill and a refill that stops at the
// burst.
func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at   time.Duration
		want bool
	}{
		{0, true}, {0, true}, {0, true}, // the burst
		{0, false},                                              // empty
		{250 * time.Millisecond, false},                         // half a token
		{500 * time.Millisecond, true},                          // one token after 0.5 s
		{500 * time.Millisecond, false},                         // spent
		{time.Hour, true}, {time.Hour, true}, {time.Hour, true}, // refilled to the burst only
		{time.Hour, false},
	}
	b := newBucket(3, 2)
	for i, s := range steps {
		if got := b.take(t0.Add(s.at)); got != s.want {
			t.Errorf("step %d at +%v: take = %v, want %v", i, s.at, got, s.want)
		}
	}
}

// TestResetAllowanceScalesWithStreams: the rapid-reset allowance grows with
// MAX_CONCURRENT_STREAMS (a client may legitimately cancel every stream it
// may have open), and never falls below its floor.
func TestResetAllowanceScalesWithStreams(t *testing.T) {
	tests := []struct {
		streams     uint32
		burst, rate float64
	}{
		{0, minResetBurst, minResetRate},
		{10, minResetBurst, minResetRate},
		{1000, 2000, 1000},
	}
	for _, tt := range tests {
		c := &Conn{cfg: Config{MaxConcurrentStreams: tt.streams}}
		c.initFloods()
		if c.floods.resets.burst != tt.burst || c.floods.resets.rate != tt.rate {
			t.Errorf("MAX_CONCURRENT_STREAMS %d: reset bucket burst %v rate %v, want %v and %v",
				tt.streams, c.floods.resets.burst, c.floods.resets.rate, tt.burst, tt.rate)
		}
	}
}
