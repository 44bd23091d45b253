package bench

import "time"

// Defaults of the harness's command line, for a full run.
const (
	// DefaultRounds is how many A/B rounds a full run makes: three is the
	// least that gives a median that one disturbed round cannot move.
	DefaultRounds = 3
	// DefaultDuration is one measured window: long enough for thousands of
	// large-message calls and for the p99 of every workload to rest on at
	// least a few dozen samples, short enough that a full run of about
	// two hundred windows stays within ten minutes.
	DefaultDuration = 2 * time.Second
	// DefaultWarmup runs the workload before each window, unmeasured, so
	// that connections exist, windows have grown, pools are filled and the
	// heap has reached its working size before counting starts.
	DefaultWarmup = 500 * time.Millisecond
	// DefaultIdleConns is how many idle connections the memory measurement
	// opens (the 1,000): enough that per-connection cost dwarfs
	// noise in the heap, few enough for the default open-file limit once
	// raised.
	DefaultIdleConns = 1000
	// DefaultIdleStreams is how many idle streams the memory measurement
	// opens on one connection (the 10,000).
	DefaultIdleStreams = 10000
)

// Settings of the -quick mode, which tries the whole harness in about a
// minute; its numbers are too short-lived to quote.
const (
	QuickRounds      = 3
	QuickDuration    = 150 * time.Millisecond
	QuickWarmup      = 50 * time.Millisecond
	QuickIdleConns   = 100
	QuickIdleStreams = 1000
)

// Bounds that keep every load finite whatever happens.
const (
	// maxOpsPerWindow stops a window after this many operations even if
	// its time is not up: far above what two cores do in any window
	// (about 500k small messages a second), it only matters if a clock
	// misbehaves.
	maxOpsPerWindow = 200_000_000
	// callBound is the deadline of every call the load generator makes;
	// no call of any workload takes more than a fraction of a second, so a
	// call that reaches it is a hang and fails the measurement.
	callBound = 60 * time.Second
	// controlBound is how long the harness waits for a server process to
	// start or to answer one control command (a "gc" after 10,000 streams
	// is the slowest, well under a second).
	controlBound = 30 * time.Second
	// serverLifetime is the longest a server process lives, in case the
	// harness that started it hangs without closing its standard input.
	serverLifetime = 30 * time.Minute
	// settleDelay is how long the memory measurement waits after opening
	// its idle connections or streams, so that both sides have finished
	// answering SETTINGS, WINDOW_UPDATEs and PINGs before the heap is
	// measured.
	settleDelay = 200 * time.Millisecond
)

// Sizes of the service and its workloads.
const (
	// SmallSize is the small message of the issue: 100 bytes.
	SmallSize = 100
	// MediumSize is the unary "large" message: 16 KiB, exactly one default
	// HTTP/2 frame of payload.
	MediumSize = 16 << 10
	// LargeSize is the large streaming message: 1 MiB.
	LargeSize = 1 << 20
	// maxPayload is the largest payload the service hands out from its
	// preallocated buffer; larger requests get a fresh one.
	maxPayload = LargeSize
	// serverMaxStreams is the SETTINGS_MAX_CONCURRENT_STREAMS of grpcwire's
	// bench server: above the 10,000 idle streams the memory measurement
	// holds on one connection (grpcwire's default is 1,000; grpc-go's
	// server is unlimited by default and is left so).
	serverMaxStreams = 1 << 14
	// tcpWrite is the size of each write of the streaming floor's server:
	// 1 MiB, the largest batch grpcwire's writer hands the kernel in one
	// writev (tcp.go says why the size matters).
	tcpWrite = 1 << 20
)
