// Package transport is grpcwire's HTTP/2 connection engine, shared by the
// server and the client. It is built directly on golang.org/x/net/http2's
// Framer and hpack and knows HTTP/2, not gRPC messages or protobuf: a stream
// carries header fields and bytes, and the layers above give them meaning.
// (It names a few of grpcwire/wire's values: the defaults RFC 9113 leaves
// open, and the RST_STREAM codes PROTOCOL-HTTP2.md asks for.)
//
// # Files
//
// Each file holds one part of RFC 9113 (or of grpc/grpc's
// PROTOCOL-HTTP2.md and doc/keepalive.md), and opens with the sentences it
// implements, so that a rule can be found by guessing the file's name:
//
//	conn.go         Config, Conn, newConn, Run, Close, shutdown
//	reader.go       the reader goroutine's loop: read a frame, hand it to processX
//	writer.go       the writer goroutine's loop: take requests, write, flush
//	inline.go       writing on a call's goroutine while the writer is idle
//	requests.go     the typed requests other goroutines hand the writer
//	queue.go        the queue that carries them
//	batch.go        the writev batcher the writer writes into
//	connreader*.go  how the reader reads the socket (RawConn on Unix, bufio elsewhere; bulk DATA read ahead)
//	socket_*.go     the socket system calls (raw read, readv, writev on Linux)
//	preface.go      the connection preface both ways; HTTP/1.x and TLS sniffing (§3.4)
//	settings.go     SETTINGS in and their application and ACK (§6.5)
//	ping.go         PING and PING ACK, Conn.Ping (§6.7)
//	goaway.go       every GOAWAY path, markGoAway, graceful shutdown (§6.8)
//	rst.go          RST_STREAM both ways, stream errors, recently reset ids (§6.4, §5.4.2)
//	flow.go         flow control both ways and the send scheduler (§5.2, §6.9)
//	data.go         DATA in and out (§6.1)
//	headers.go      HEADERS in (requests, trailers, responses) and out (§6.2, §8.1)
//	headerblock.go  header block assembly (CONTINUATION) and HPACK decoding (§4.3, §6.10)
//	priority.go     PRIORITY (§5.3)
//	open.go         opening client streams, waiting for a slot (§5.1.1, §5.1.2)
//	streams.go      the stream table and stream states (§5.1)
//	stream.go       Stream: its state, receive buffer, Read, abort, Cancel
//	write.go        Stream's write operations (WriteHeaders, WriteResponse, ...)
//	keepalive.go    keepalive pings, idle and age limits, ping policy (doc/keepalive.md)
//	flood.go        the token buckets that cut off floods of cheap frames
//	errors.go       the error values streams and connections fail with
//	observe.go      reporting frames to the observe.Observer
//	defaults.go     every number the engine uses, with its reason
//
// # Goroutines and who owns what
//
// Each connection runs exactly two goroutines:
//
//   - The reader (Conn.Run's caller) reads every frame and processes it
//     (processData, processHeadersFrame, processSettings, processPing,
//     processWindowUpdate, processRSTStream, processGoAway,
//     processPriority). It owns the HPACK decoder, the header block being
//     decoded, the flood buckets, the connection's receive window, each
//     stream's reader-owned fields (content-length, DATA received, whether
//     the response headers came) and, on a server, the insertions into the
//     stream table.
//   - The writer (writer.loop) writes the connection's frames. Everybody
//     else hands it typed requests (requests.go) through one queue. It
//     writes into the batch and flushes only when its queue runs empty, so
//     the frames of many calls leave in one writev.
//
// Exactly one goroutine writes a connection's frames at a time: whoever
// holds the write lock, Conn.wmu. The writer goroutine takes it when it
// wakes and lets it go once it has flushed and is about to sleep; while it
// sleeps, a call's goroutine may take it with TryLock (never waiting for
// it) to write inline (inline.go): the frames that end its call, or answer
// what its stream just received, on a connection with no other open
// stream, after whatever is already queued, flushing them itself instead of
// waking the writer goroutine. The holder of the write lock owns the HPACK
// encoder, the batch, the send windows (connection and streams), the peer's
// settings that shape writing (INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE,
// HEADER_TABLE_SIZE, MAX_HEADER_LIST_SIZE), the send scheduler's ready,
// stalled and waiting lists, each stream's writer-owned fields (its queue,
// window and list flags) and the assignment of client stream ids; it
// reports every frame it writes to the observer. Nothing under the write
// lock waits for another lock's holder to write: an inline writer may
// block in writev, on a peer that does not read, as the writer goroutine
// would, until the connection fails or closes.
//
// Application goroutines (handlers, callers) read a stream's received bytes
// with Stream.Read, which returns flow-control credit (WINDOW_UPDATE) as the
// bytes are consumed, and write with the write operations of write.go,
// which block when the stream already has too many bytes queued, so that a
// peer that stops reading makes the sender wait instead of growing memory.
// Timers (keepalive.go) run their callbacks on goroutines of their own
// (time.AfterFunc), which queue requests or shut the connection down; the
// age limit's waits there for the graceful shutdown it starts.
//
// Conn.mu guards the stream table and the connection's state (GOAWAY sent
// and received, draining, the peer's MAX_CONCURRENT_STREAMS, PING
// waiters); Stream.mu guards a stream's receive buffer and send quota.
// Neither is held while doing I/O, and neither is held while taking the
// write lock.
//
// # System calls
//
// On Linux the reader and the writer read and write a plain TCP or Unix
// socket with raw system calls (socket_linux.go): read(2), readv(2) and
// writev(2) on a non-blocking descriptor never block, and making them
// without telling the scheduler spares the wake-up of the runtime's sysmon
// thread that the first system call after an idle spell otherwise makes,
// once per call on a ping-pong load (a futex wake, and sysmon's 20 µs naps
// on the same CPU after it). The cost is that while a process only ever
// makes such calls and goes idle between them, sysmon sleeps through its
// busy spells too: it then does not preempt a goroutine that runs for long
// without yielding until its next wake-up (a timer, a garbage collection,
// any other system call). Where the socket would block, the poller waits,
// as for any net.Conn.
package transport
