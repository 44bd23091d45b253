package transport

import (
	"time"

	"golang.org/x/net/http2"
)

// bucket is a token bucket; it is only touched by the reader goroutine.
type bucket struct {
	tokens, burst, rate float64
	last                time.Time
}

func newBucket(burst, rate float64) bucket {
	return bucket{tokens: burst, burst: burst, rate: rate}
}

// take spends one token and reports whether one was left.
func (b *bucket) take(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// floodState holds the reader's buckets.
type floodState struct {
	pings, settings, emptyData, resets bucket
}

func (c *Conn) initFloods() {
	resetBurst := max(minResetBurst, 2*float64(c.cfg.MaxConcurrentStreams))
	resetRate := max(minResetRate, float64(c.cfg.MaxConcurrentStreams))
	c.floods = floodState{
		pings:     newBucket(pingBurst, pingRate),
		settings:  newBucket(settingsBurst, settingsRate),
		emptyData: newBucket(emptyDataBurst, emptyRate),
		resets:    newBucket(resetBurst, resetRate),
	}
}

// flood returns the connection error for a flood of kind.
func flood(kind string) error {
	return connError{http2.ErrCodeEnhanceYourCalm, "flood: " + kind}
}

// queuedControl counts an answer queued for the peer; it reports false when
// too many are waiting to be written.
func (c *Conn) queuedControl() bool {
	return c.pendingControl.Add(1) <= maxQueuedControl
}
