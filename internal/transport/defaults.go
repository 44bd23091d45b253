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
