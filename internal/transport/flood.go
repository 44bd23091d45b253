package transport

import (
	"time"

	"golang.org/x/net/http2"
)

// Flood limits. A peer can make a connection do work for nothing with
// frames that cost it a few bytes: PINGs and SETTINGS that each demand an
// ACK, streams opened and reset at once (CVE-2023-44487, "rapid reset"),
// empty DATA frames (CVE-2019-9518). Each kind draws from a token bucket that
// allows honest bursts and a steady rate far above what any real client
// sends; a peer that drains one is cut off with GOAWAY ENHANCE_YOUR_CALM and
// a logged reason, and the other connections are not affected.
const (
	pingBurst, pingRate         = 1000, 100 // PINGs per second, after a burst
	settingsBurst, settingsRate = 100, 10   // SETTINGS frames per second
	emptyDataBurst, emptyRate   = 1000, 100 // DATA frames with no payload and no END_STREAM
	minResetBurst, minResetRate = 200, 100  // peer resets of live streams; scaled up by MAX_CONCURRENT_STREAMS

	// maxQueuedControl bounds the frames this side queued in answer to the
	// peer (PING and SETTINGS ACKs, RST_STREAM) and has not written yet: a
	// peer that floods them without reading the answers would otherwise grow
	// the queue without bound.
	maxQueuedControl = 10000
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
