package transport

import "time"

// Defaults of RFC 9113 and of this package, for Config fields left zero.
const (
	rfcInitialWindowSize = 65535           // RFC 9113 §6.9.2
	rfcMaxFrameSize      = 16384           // RFC 9113 §6.5.2, the initial SETTINGS_MAX_FRAME_SIZE
	maxWindow            = 1<<31 - 1       // RFC 9113 §6.9.1: a window may not exceed 2^31-1
	defaultHeaderList    = 16 << 20        // what x/net's Framer assumes without a limit
	defaultSendQuota     = 64 << 10        // bytes one stream may queue before Write blocks
	defaultBufferSize    = 32 << 10        // read and write buffers
	goAwayFlushBound     = 1 * time.Second // how long a closing conn waits for its GOAWAY to leave
	recentResets         = 256             // locally reset stream ids remembered to ignore late frames
)

// maxStreamID is the largest stream id (RFC 9113 §5.1.1: 31 bits).
const maxStreamID = 1<<31 - 1

// minBatch is the buffered size under which the writer yields once before
// flushing (grpc-go's loopy writer does the same with the same bound).
const minBatch = 1000

// Batching bounds: a payload this large is referenced rather than copied;
// a batch this large is written without waiting for the writer's flush.
const (
	refMin      = 2048
	maxBatch    = 1 << 20
	maxBatchIOV = 256
)

// maxKeptQueue bounds the capacity of the request slice the queue keeps
// between batches.
const maxKeptQueue = 64

// slabFields is the size of a new field slab: a few header blocks' worth,
// so that the slab a connection keeps while idle stays small (about 1 KiB).
const slabFields = 24

// pingTimeoutDefault is the keepalive timeout when none is configured
// (doc/keepalive.md: KEEPALIVE_TIMEOUT, 20 seconds).
const pingTimeoutDefault = 20 * time.Second

// enforcementIdleWindow is how often a client may ping a server that has no
// stream open for it when pings without streams are not permitted: grpc-go
// counts a strike for pings less than two hours apart then.
const enforcementIdleWindow = 2 * time.Hour

// http1Linger bounds how long the server reads what an HTTP/1.x client still
// sends after the answer (as net/http does before closing): closing a socket
// with unread bytes resets the connection, and the reset can destroy the
// answer before the client has read it.
const (
	http1Linger      = 500 * time.Millisecond
	http1LingerBytes = 64 << 10
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
