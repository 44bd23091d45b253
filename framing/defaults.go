package framing

import "compress/gzip"

// Every tunable of the package, each with the reason for its value. The size
// limits themselves (max receive and send sizes) are not here: they belong to
// the caller, which passes them in.

// DefaultGzipLevel is the compression level of Gzip: gzip.BestSpeed, not
// compress/gzip's default (6, which grpc-go uses). gRPC messages are small and
// compressed on the call's critical path; at level 1 compress/flate skips
// clearing its 640 KB of hash tables per message, which makes a 100-byte
// message 2.4x and a 16 KiB one 6.7x faster to compress, for output about 3%
// larger on protobuf-like data (bench_test.go's payload). NewGzip offers any
// other level.
const DefaultGzipLevel = gzip.BestSpeed

// readAheadSize is how many bytes the Reader asks its source for when it needs
// a prefix. Reading more than the 5 prefix bytes lets one Read deliver the
// prefix, a small message and the next prefixes too (a DATA frame often holds
// several messages), while 512 bytes keeps the cost of an idle stream small.
// Large bodies bypass this buffer and are read straight into the message.
const readAheadSize = 512

// firstDecompressBuffer is the smallest buffer decompression starts with when
// dst has no spare capacity: big enough that tiny messages take one step, small
// enough to be free for a stream that never sees one.
const firstDecompressBuffer = 512

// maxEmptyReads is how many Read calls in a row may return nothing and no
// error before a reader gives up with io.ErrNoProgress instead of spinning.
// io.Reader implementations are discouraged from returning 0, nil, so any
// count past a handful means a broken reader.
const maxEmptyReads = 100

// maxPooledScratch is the largest scratch buffer kept for reuse: the default
// max receive size of gRPC (4 MiB). Bigger messages are rare enough that
// holding their buffers between GCs would cost more memory than it saves time.
const maxPooledScratch = 4 << 20
