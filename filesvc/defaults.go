package filesvc

import "time"

// ChunkSize is how many bytes of a file one data message carries, in both
// directions (cmd/files sends uploads in chunks of this size, and the
// server sends downloads so). It is a measured choice: BenchmarkChunkSize
// (cmd/files) moves a 256 MiB file up and down over loopback, client and
// server in one process, with each size. CPU time of both sides per MiB
// moved, two runs each (2026-12-04, 2 shared cores, load average 11 to 17,
// so the wall-clock rates of the same runs, 130 to 480 MB/s, say little):
//
//	chunk     16 KiB  32 KiB  64 KiB  128 KiB  256 KiB  512 KiB  1 MiB  2 MiB
//	put  ms   3.0-3.2 2.7-2.8 2.6-2.7 2.5      2.4-2.5  2.5-2.7  2.7-2.9 2.5
//	get  ms   2.9-3.2 2.0-2.4 2.1-2.2 1.8-1.9  2.0-2.1  1.8-1.9  1.8-2.0 2.0-2.1
//
// Small chunks pay a message's fixed costs (a call into the stack, a
// marshal, a write system call, a frame header's parse) too often: 16 KiB
// costs a fifth more than 256 KiB. Past 256 KiB nothing more is saved, and
// a chunk's buffer no longer stays in a core's 1 MiB L2 cache between its
// reassembly, its SHA-256 and its write (1 MiB costs more again), while
// each side holds a few chunks' buffers at once. SHA-256 alone is about
// half of these figures (1.6 GB/s on one core here, on each side).
const ChunkSize = 256 << 10

// dataOverhead bounds what a data message holds besides its chunk: a
// field's tag and length (at most 1 + 10 bytes), with room to spare. A
// receive buffer of ChunkSize + dataOverhead holds any data message of a
// full chunk.
const dataOverhead = 64

// hashBufSize is the buffer for reading a file to compute its SHA-256 (a
// file put in the directory by other means, or an interrupted upload being
// continued): big enough that the system calls cost nothing next to the
// hashing.
const hashBufSize = 256 << 10

// The HTTP/2 flow-control windows of the file programs (cmd/files-server
// for uploads, cmd/files for downloads), larger than grpcwire's defaults
// (1 MiB per stream, 4 MiB per connection) because a transfer is one long
// stream that should never wait for credit. The window is what the sender
// may have in flight before the receiver's WINDOW_UPDATE; at 1 GB/s a 1 MiB
// window is one millisecond, so a receiver that the scheduler leaves off
// its CPU for longer (a few milliseconds is common on a busy machine)
// stalls the sender. 4 MiB is about what Linux autotunes a loopback TCP
// socket's buffers to, which is how raw TCP rides out such gaps. The cost
// is memory: a receiver may hold one stream window of received bytes per
// transfer (the files section of the benchmark harness shows the peak).
const (
	StreamWindow = 4 << 20
	ConnWindow   = 16 << 20
)

// DefaultPartialTTL is how long an interrupted upload is kept after its
// last byte was written, for an Upload from Stat's upload_committed (files
// put -resume) to continue it; after that it is expired: Stat and List no
// longer show it, it cannot be continued, and the Store removes its files.
// A day lets an upload cut by a laptop closed for the night, or by a
// network down for hours, be continued the next morning, while a client
// that never comes back holds its disk space for a day at most. A server
// that takes many large uploads from clients that give up may want less
// (PartialTTL, files-server -partial-ttl); one whose clients come back
// after days, more.
const DefaultPartialTTL = 24 * time.Hour

// The Store looks for expired uploads to remove when it opens and then
// every half of the time to live, so that an expired upload's files stay
// at most half as long again, but no more often than minSweepInterval (a
// time to live of moments is a test's, or a mistake, and the look reads a
// directory) and no less often than maxSweepInterval (a time to live of
// weeks should not leave a week's worth of expired files behind it).
const (
	minSweepInterval = time.Second
	maxSweepInterval = time.Hour
)

// sweepInterval is how often the Store removes expired uploads for a time
// to live of ttl.
func sweepInterval(ttl time.Duration) time.Duration {
	return min(max(ttl/2, minSweepInterval), maxSweepInterval)
}
