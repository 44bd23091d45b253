package wire

import (
	"math"
	"time"
)

// Every default of grpcwire that a server or client option can change, in
// one place, each with the reason for its value. Server and client options
// start from these, and the engine (internal/transport/defaults.go) falls
// back to them by name for the Config fields RFC 9113 gives no initial value
// (that file lists the engine's own bounds, which no option changes);
// nothing else in the module writes a limit or a duration inline. Each
// constant here is read where its default applies.

// Message sizes.
const (
	// DefaultMaxRecvMsgSize is the largest message a server or client
	// accepts unless configured otherwise: 4 MiB, grpc-go's default on both
	// sides (server.go and clientconn.go). A larger message fails with
	// RESOURCE_EXHAUSTED, checked on the declared length before any
	// allocation, so a peer cannot make us allocate 4 GiB with five bytes.
	DefaultMaxRecvMsgSize = 4 << 20
	// DefaultMaxSendMsgSize is the largest message sent unless configured
	// otherwise: math.MaxInt32, as in grpc-go, since what we send is our own
	// program's choice and the receiver enforces its own limit.
	DefaultMaxSendMsgSize = math.MaxInt32
)

// Header list sizes.
const (
	// SpecSuggestedMaxHeaderListSize is the limit PROTOCOL-HTTP2.md
	// suggests: "Servers may limit the size of Request-Headers, with a
	// default of 8 KiB suggested" and "Clients may limit the size of
	// Response-Headers, Trailers, and Trailers-Only, with a default of 8 KiB
	// each suggested". Sizes are counted as SETTINGS_MAX_HEADER_LIST_SIZE
	// counts them: name and value lengths plus 32 per field, binary values
	// after base64. It is what a peer may enforce on what we send, so
	// keeping our own headers under it is what interoperates.
	SpecSuggestedMaxHeaderListSize = 8 << 10
	// DefaultMaxHeaderListSize is what we advertise in
	// SETTINGS_MAX_HEADER_LIST_SIZE and enforce on received header lists:
	// 16 KiB, twice the spec's suggestion, so that peers that stay just
	// over 8 KiB (a large bearer token plus base64 trace metadata is
	// common) still work, while a stream's headers stay small enough to
	// keep thousands of streams in memory. grpc-go defaults to 16 MiB today
	// and plans 8 KiB (internal/transport/defaults.go,
	// upcomingDefaultHeaderListSize).
	DefaultMaxHeaderListSize = 16 << 10
)

// HTTP/2 flow control and framing.
const (
	// DefaultInitialWindowSize is the per-stream receive window we
	// advertise in SETTINGS_INITIAL_WINDOW_SIZE: 1 MiB, so that one 1 MiB
	// message can be in flight per stream on loopback without waiting a
	// round trip for WINDOW_UPDATE, while what one stream can make us
	// buffer stays bounded. RFC 9113's initial 65,535 bytes would stall a
	// large message every 64 KiB.
	DefaultInitialWindowSize = 1 << 20
	// DefaultInitialConnWindowSize is the connection-level receive window,
	// raised by a WINDOW_UPDATE on stream 0 right after the preface: 4 MiB,
	// room for four streams' full windows at once, and the bound on what
	// all streams of one connection together can make us buffer.
	DefaultInitialConnWindowSize = 4 << 20
	// DefaultMaxFrameSize is the SETTINGS_MAX_FRAME_SIZE we advertise and
	// the largest DATA frame we write: 16,384, RFC 9113 §6.5.2's initial
	// value, which every peer accepts without negotiation.
	DefaultMaxFrameSize = 16384
	// DefaultMaxConcurrentStreams is the SETTINGS_MAX_CONCURRENT_STREAMS a
	// server advertises: 1000. RFC 9113 §6.5.2 recommends at least 100;
	// grpc-go's server is unlimited. A bound keeps a single client from
	// holding unbounded handlers and stream state, and 1000 is far above
	// what a 2-core server serves concurrently. Streams beyond it are
	// refused with RST_STREAM(REFUSED_STREAM), which clients may retry.
	DefaultMaxConcurrentStreams = 1000
	// DefaultWriteBufferSize is the size of the connection's buffered
	// writer: 32 KiB, as grpc-go (defaultWriteBufSize). A batch of small
	// frames (headers, trailers, small messages) leaves in one write
	// system call, and a full 16 KiB DATA frame fits with room to spare.
	DefaultWriteBufferSize = 32 << 10
	// DefaultReadBufferSize is the size of the connection's buffered
	// reader: 32 KiB, as grpc-go (defaultReadBufSize).
	DefaultReadBufferSize = 32 << 10
)

// Keepalive, from doc/keepalive.md's table of defaults (gRPC core) and
// grpc-go's internal/transport/defaults.go, which agree; where grpcwire's
// default differs, its comment says why.
const (
	// DefaultKeepaliveTime is how long a server or client waits without
	// activity before sending a keepalive PING: 0, meaning never, on both
	// sides. For a client that is doc/keepalive.md's default
	// (GRPC_ARG_KEEPALIVE_TIME_MS: "INT_MAX (disabled)"). A server of gRPC
	// core or grpc-go pings after 2 hours ("7200000 (2 hours)"); grpcwire's
	// does not unless asked (server.Keepalive), because what a 2-hour ping
	// finds, a peer gone without a word, Go's TCP keepalive already finds:
	// the connections of a net.Listen listener probe after 15 seconds of
	// silence by default.
	DefaultKeepaliveTime time.Duration = 0
	// DefaultKeepaliveTimeout is how long the sender of a keepalive PING
	// waits for its ACK before closing the connection: 20 seconds on both
	// sides (doc/keepalive.md: "20000 (20 seconds)").
	DefaultKeepaliveTimeout = 20 * time.Second
	// KeepaliveMinTime is the enforcement policy's minimum interval between
	// a client's pings when there is no data: 5 minutes (doc/keepalive.md:
	// GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS "300000 (5
	// minutes)"). A faster ping is a ping strike.
	KeepaliveMinTime = 5 * time.Minute
	// DefaultMaxPingStrikes is how many bad pings a server tolerates before
	// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"): 2 (doc/keepalive.md:
	// GRPC_ARG_HTTP2_MAX_PING_STRIKES "2").
	DefaultMaxPingStrikes = 2
	// DefaultKeepalivePermitWithoutStream is whether keepalive pings are
	// sent, or permitted by a server, with no call in flight: false
	// (doc/keepalive.md: GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS "0
	// (false)").
	DefaultKeepalivePermitWithoutStream = false
)

// Connection lifetime and shutdown.
const (
	// DefaultMaxConnectionIdle is how long a server keeps a connection with
	// no calls before a graceful GOAWAY: 0, meaning forever, as grpc-go's
	// infinity (defaultMaxConnectionIdle).
	DefaultMaxConnectionIdle time.Duration = 0
	// DefaultMaxConnectionAge is how long a server keeps any connection
	// before a graceful GOAWAY: 0, meaning forever (grpc-go
	// defaultMaxConnectionAge).
	DefaultMaxConnectionAge time.Duration = 0
	// DefaultMaxConnectionAgeGrace is how long calls may still run after
	// the age GOAWAY before the connection is closed: 0, meaning forever
	// (grpc-go defaultMaxConnectionAgeGrace).
	DefaultMaxConnectionAgeGrace time.Duration = 0
	// DefaultGracefulStopPingBound is how long a graceful stop waits for
	// the ACK of the PING that follows the first GOAWAY (last stream ID
	// 2^31-1) before sending the final GOAWAY with the real last stream ID:
	// 5 seconds, as grpc-go's http2Server.drain. The PING round trip
	// proves the client has seen the first GOAWAY, so streams it opened in
	// flight are not lost; the bound keeps a silent client from holding
	// the stop forever.
	DefaultGracefulStopPingBound = 5 * time.Second
	// DefaultServerPrefaceTimeout is how long a server waits for the
	// client's connection preface: 10 seconds, as x/net/http2's server
	// (prefaceTimeout), so a client that connects and says nothing does not
	// hold a connection forever.
	DefaultServerPrefaceTimeout = 10 * time.Second
)

// Dialing and reconnect backoff, doc/connection-backoff.md: "Exponentially
// back off the start time of connection attempts up to a limit of
// MAX_BACKOFF, with jitter." The values are the document's current ones and
// grpc-go's backoff.DefaultConfig and minConnectTimeout (older copies of the
// document give 20 seconds as INITIAL_BACKOFF).
const (
	// DefaultBackoffBaseDelay is INITIAL_BACKOFF, the wait after the first
	// failed attempt: 1 second.
	DefaultBackoffBaseDelay = 1 * time.Second
	// DefaultBackoffMultiplier is MULTIPLIER, the factor between
	// successive waits: 1.6.
	DefaultBackoffMultiplier = 1.6
	// DefaultBackoffJitter is JITTER: each wait is randomized by ±20%, so
	// that clients that failed together do not retry together.
	DefaultBackoffJitter = 0.2
	// DefaultBackoffMaxDelay is MAX_BACKOFF, the upper bound of a wait:
	// 120 seconds.
	DefaultBackoffMaxDelay = 120 * time.Second
	// DefaultMinConnectTimeout is MIN_CONNECT_TIMEOUT, the least time an
	// attempt gets even when the backoff deadline is sooner: 20 seconds.
	// The client gives every attempt (TCP, TLS and the server's first
	// SETTINGS together) this long; client.WithConnectTimeout changes it.
	DefaultMinConnectTimeout = 20 * time.Second
)
