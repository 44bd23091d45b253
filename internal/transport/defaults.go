package transport

import (
	"time"

	"grpcwire/wire"
)

// Every number the engine uses, in one list (as grpc-go keeps its
// transport's in internal/transport/defaults.go), each with its reason.
// Three kinds:
//
//   - RFC 9113's own numbers, fixed by the protocol;
//   - the fallbacks for Config fields left zero: RFC 9113's initial value
//     where it gives one, else grpcwire's public default from
//     wire/defaults.go, named rather than repeated, so that a Conn made
//     without the server and client packages behaves as theirs do;
//   - the engine's own bounds and tunables, which no option changes.
//
// Where a value follows grpc-go's rather than one the spec gives, the
// comment says so.

// RFC 9113's numbers.
const (
	// rfcInitialWindowSize is the initial flow-control window of the
	// connection and of every stream (§6.9.2: "the initial value for the
	// flow-control window is 65,535 octets"), and the fallback of
	// Config.InitialWindowSize and Config.ConnWindowSize.
	rfcInitialWindowSize = 65535
	// rfcMaxFrameSize is the initial SETTINGS_MAX_FRAME_SIZE (§6.5.2:
	// "The initial value is 2^14 (16,384) octets"): the largest frame a peer
	// must accept before it says otherwise, and Config.MaxFrameSize's
	// fallback.
	rfcMaxFrameSize = 16384
	// rfcHeaderTableSize is the initial SETTINGS_HEADER_TABLE_SIZE (§6.5.2:
	// "The initial value is 4,096 octets"), the size of the HPACK decoder's
	// dynamic table: this side never advertises another.
	rfcHeaderTableSize = 4096
	// frameHeaderLen is the length of every frame's header (§4.1: "All
	// frames begin with a fixed 9-octet header").
	frameHeaderLen = 9
	// maxWindow is the largest flow-control window (§6.9.1: "A sender MUST
	// NOT allow a flow-control window to exceed 2^31-1 octets").
	maxWindow = 1<<31 - 1
	// maxStreamID is the largest stream id (§5.1.1: stream identifiers are
	// 31 bits), which a graceful shutdown's first GOAWAY names.
	maxStreamID = 1<<31 - 1
	// initialPeerMaxStreams is the peer's SETTINGS_MAX_CONCURRENT_STREAMS
	// until its SETTINGS say otherwise: "Initially, there is no limit to
	// this value" (§6.5.2). A client never opens a stream on that: its
	// streams wait for the server's first SETTINGS (open.go), which may
	// set a limit, rather than risk REFUSED_STREAM. grpc-go assumes 100
	// instead until then (its defaultMaxStreamsClient); waiting costs
	// nothing here, since client.Conn's dial waits for those SETTINGS
	// before it hands out the connection.
	initialPeerMaxStreams = ^uint32(0)
)

// Fallbacks for the Config fields RFC 9113 gives no initial value.
const (
	// defaultMaxHeaderListSize is Config.MaxHeaderListSize's fallback:
	// RFC 9113's initial SETTINGS_MAX_HEADER_LIST_SIZE is unlimited, which
	// no receiver can afford, so it is grpcwire's default (16 KiB,
	// wire.DefaultMaxHeaderListSize says why), what the server and client
	// advertise.
	defaultMaxHeaderListSize = wire.DefaultMaxHeaderListSize
	// defaultReadBufferSize and defaultWriteBufferSize are the fallbacks of
	// Config.ReadBufferSize and Config.WriteBufferSize (wire's defaults,
	// grpc-go's 32 KiB).
	defaultReadBufferSize  = wire.DefaultReadBufferSize
	defaultWriteBufferSize = wire.DefaultWriteBufferSize
	// defaultKeepaliveTimeout is KeepaliveConfig.Timeout's fallback:
	// doc/keepalive.md's KEEPALIVE_TIMEOUT, 20 seconds on both sides.
	defaultKeepaliveTimeout = wire.DefaultKeepaliveTimeout
	// defaultGracefulPingBound is Config.GracefulPingBound's fallback: how
	// long a graceful shutdown waits for the ACK of the PING that follows
	// its first GOAWAY before sending the second. The same 5 seconds bound
	// a server's GracefulStop and its MAX_CONNECTION_AGE, as grpc-go's
	// drain does for both.
	defaultGracefulPingBound = wire.DefaultGracefulStopPingBound
	// defaultSendQuota is Config.SendQuota's fallback: 64 KiB of DATA one
	// stream may have queued for the writer before its writes block,
	// grpc-go's defaultWriteQuota. It bounds what a peer that stops reading
	// makes this side buffer per stream, above the flow-control window.
	defaultSendQuota = 64 << 10
)

// The engine's own bounds.
const (
	// goAwayFlushBound is how long a connection closing after a GOAWAY
	// (or an HTTP/1.x answer) waits for it to leave before closing anyway:
	// 1 second, as grpc-go's server waits before closing after a writer
	// error, so that the peer learns why instead of seeing a bare reset,
	// while a peer that does not read cannot hold the connection.
	goAwayFlushBound = 1 * time.Second
	// writeFailedDrain bounds how long a client connection whose socket
	// could not be written still reads what the server had already sent
	// (writer.fail): a peer that is gone ends the read at once, after the
	// buffered frames, and this bounds a transport whose writes fail while
	// its reads would block; 1 second, as goAwayFlushBound.
	writeFailedDrain = 1 * time.Second
	// recentResets is how many stream ids this side reset are remembered,
	// so that the frames the peer sent before it saw the RST_STREAM are
	// ignored (RFC 9113 §5.1) rather than answered as errors; 256 covers
	// the resets one round trip can have in flight at any sane rate, and
	// the memory is bounded whatever the rate.
	recentResets = 256
	// enforcementIdleWindow is how close together a client's pings may be
	// while no stream is open, when the server's policy does not permit
	// pings without streams, before they count as strikes: 2 hours, as
	// grpc-go's server (doc/keepalive.md gives no number).
	enforcementIdleWindow = 2 * time.Hour
	// ageJitter spreads MAX_CONNECTION_AGE by ±10% (doc/keepalive.md: "a
	// random jitter of +/-10% will be added to MAX_CONNECTION_AGE to spread
	// out connection storms").
	ageJitter = 0.1
	// http1Linger and http1LingerBytes bound how long, and how much, the
	// server reads what an HTTP/1.x client still sends after the answer
	// (as net/http does before closing): closing a socket with unread
	// bytes resets the connection, and the reset can destroy the answer
	// before the client has read it.
	http1Linger      = 500 * time.Millisecond
	http1LingerBytes = 64 << 10
	// continuationSlack is the number of CONTINUATION frames one header
	// block may take beyond what its size needs (maxContinuations): honest
	// encoders fill their frames, so a few more are already generous.
	continuationSlack = 16
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

// Tunables of the hot path: they shape speed and memory, not behaviour.
const (
	// creditFraction: received bytes go back to the peer as WINDOW_UPDATE
	// once 1/creditFraction of a window (the connection's, or a stream's)
	// has been consumed: fewer, larger updates, and the peer never stalls
	// with three quarters of its window still open. grpc-go uses the same
	// quarter.
	creditFraction = 4
	// roundFrames and minRoundBytes size one round of the send scheduler:
	// after four frames' worth of DATA (at least 64 KiB) the writer looks
	// at its queue again, so that control frames never wait behind bulk
	// data.
	roundFrames   = 4
	minRoundBytes = 64 << 10
	// minBatch is the buffered size under which the writer yields before
	// flushing (once, and again each time the yield brought more), so that
	// the goroutines about to queue frames get them into the same write.
	// grpc-go's loopy writer yields under 1000 bytes (minBatchSize), and
	// its 32 KiB buffered writer then writes every 32 KiB; here the batch
	// refers to large payloads rather than copying them, so the bound is
	// the batch itself: 32 KiB, one write buffer. With 1000, fifty
	// concurrent 16 KiB responses left in a writev each (1.36 system calls
	// per call, server CPU 45 us per call); with 32 KiB, 0.61 and 30 us.
	// A yield with nothing else to run returns at once, so one call at a
	// time waits for nothing.
	minBatch = 32 << 10
	// refMin, maxBatch and maxBatchIOV shape the writev batches: a payload
	// of refMin bytes or more is referenced rather than copied; a batch of
	// maxBatch bytes (1 MiB: fewer syscalls for large messages) or
	// maxBatchIOV segments (well under Linux's IOV_MAX of 1024) is written
	// without waiting for the writer's flush.
	refMin      = 2048
	maxBatch    = 1 << 20
	maxBatchIOV = 256
	// maxKeptQueue bounds the capacity of the request slices the queue
	// keeps once the writer goes idle, so that an idle connection does not
	// keep a burst's; while the writer is busy it keeps them whatever their
	// size, so that a stream of small messages does not grow a slice anew
	// for every batch.
	maxKeptQueue = 64
	// maxKeptChunks bounds the capacity of the received-chunk list a stream
	// keeps once its reader has read everything (about 2.5 KiB), for the
	// same reason: a client stream of small messages reuses it.
	maxKeptChunks = 64
	// smallData and tailBufSize shape the receive buffers: a DATA payload
	// of at most smallData bytes is copied into the stream's last receive
	// buffer (or a new one of tailBufSize bytes), so that a stream of small
	// messages shares buffers instead of taking one per frame; a larger one
	// gets a pooled buffer of its own, read straight from the socket.
	// smallData is below a 2 KiB message and its prefix, so that messages
	// of that size and up, which are copied whole out of the chunk by the
	// message reader anyway, are copied once; tailBufSize holds some
	// twenty such small frames per buffer.
	smallData   = 1024
	tailBufSize = 4096
	// afterDataReads is how many reads after a large DATA payload read no
	// more than they need (connreader_unix.go): a frame header, the small
	// frames a flow-controlled sender cuts to fit the window (a header and
	// a payload each), and the next large payload's header, with room to
	// spare; TestLargeDataReadOnce shows the copies it saves.
	afterDataReads = 8
	// specFrames and specBytes size the read-ahead of a bulk transfer
	// (connreader_unix.go): the readv that reads one large DATA payload
	// also reads up to specFrames frames after it, as many as fit in
	// specBytes, each payload into a pooled buffer of its own. Over 16 KiB
	// frames (what peers send unless told otherwise) that is 64 KiB per
	// system call; frames over specBytes are not read ahead (one such
	// payload a readv is few system calls already, and a guess that
	// misses should not cost a large buffer).
	specFrames = 3
	specBytes  = 48 << 10
	// aheadBackoff is how many bulk reads read no frame ahead after a
	// guess missed so that its bytes were copied: frames cut to a small
	// window come in sizes that guesses miss, and reading them exactly
	// copies nothing.
	aheadBackoff = 64
	// maxReadIOV bounds the buffers of one readv: a payload, the
	// read-ahead frames' headers and payloads, the last header.
	maxReadIOV = 2*specFrames + 2
	// maxInlineData is the most DATA a write may carry and still be
	// written inline (inline.go): one default frame's worth, so that an
	// inline writer's call never spends long writing, and large messages
	// are written by the writer goroutine while the caller makes the next.
	maxInlineData = 16384
	// slabFields is the size of a new header field slab: a few header
	// blocks' worth, so that the slab a connection keeps while idle stays
	// small (about 1 KiB).
	slabFields = 24
)
