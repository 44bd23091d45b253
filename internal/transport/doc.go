// Package transport is grpcwire's HTTP/2 connection engine, shared by the
// server and the client. It is built directly on golang.org/x/net/http2's
// Framer and hpack and knows HTTP/2, not gRPC messages or protobuf: a stream
// carries header fields and bytes, and the layers above give them meaning.
//
// # Goroutines and who owns what
//
// Each connection runs exactly two goroutines:
//
//   - The reader (Conn.Run's caller) reads every frame, processes it
//     (processData, processHeaders, processSettings, ...), owns the HPACK
//     decoder, the connection's receive window and the stream table's
//     insertions on the server side.
//   - The writer (writer.loop) is the only goroutine that writes to the
//     network. Everybody else hands it typed requests (headers, data,
//     trailers, window updates, resets, pings, settings ACKs, GOAWAY) through
//     one queue. It owns the HPACK encoder, the send windows (connection and
//     streams), the peer's settings that shape writing (INITIAL_WINDOW_SIZE,
//     MAX_FRAME_SIZE, HEADER_TABLE_SIZE, MAX_CONCURRENT_STREAMS on the
//     client) and the assignment of client stream ids. It writes into a
//     buffered writer and flushes only when its queue runs empty, so the
//     frames of many calls leave in one syscall.
//
// Application goroutines (handlers, callers) read a stream's received bytes
// with Stream.Read, which returns flow-control credit (WINDOW_UPDATE) as the
// bytes are consumed, and write with Stream.Write, which blocks when the
// stream already has too many bytes queued, so that a peer that stops
// reading makes the sender wait instead of growing memory.
//
// Conn.mu guards the stream table and connection state; Stream.mu guards a
// stream's receive buffer and send quota. Neither is held while doing I/O.
package transport
