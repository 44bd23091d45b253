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
//	requests.go     the typed requests other goroutines hand the writer
//	queue.go        the queue that carries them
//	batch.go        the writev batcher the writer writes into
//	connreader*.go  how the reader reads the socket (RawConn on Unix, bufio elsewhere)
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
//   - The writer (writer.loop) is the only goroutine that writes to the
//     network. Everybody else hands it typed requests (requests.go)
//     through one queue. It owns the HPACK encoder, the send windows
//     (connection and streams), the peer's settings that shape writing
//     (INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, HEADER_TABLE_SIZE,
//     MAX_HEADER_LIST_SIZE), the send scheduler's ready, stalled and
//     waiting lists, each stream's writer-owned fields (its queue, window
//     and list flags) and the assignment of client stream ids. It writes
//     into the batch and flushes only when its queue runs empty, so the
//     frames of many calls leave in one writev.
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
// Neither is held while doing I/O.
package transport
