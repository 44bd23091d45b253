// Package filesvc is the Files service of files.proto: a directory of files
// that clients upload as a client stream of chunks and download as a server
// stream of chunks. cmd/files-server serves it and cmd/files uses it; the
// package is here, in the library, so that tests (and any program) can run
// the service in-process.
//
// An upload is written to a temporary file under the directory's reserved
// ".files" subdirectory and renamed into place only once its size and
// SHA-256 check out, so a cancelled, failed or truncated upload never
// leaves a file under its name. An upload that was interrupted (its
// connection lost, its call cancelled) keeps its temporary file, and an
// Upload of the same name and size from Stat's upload_committed continues
// it. Bad input gets a gRPC status and loses nothing: a name that is not a
// single path element is INVALID_ARGUMENT, a missing file NOT_FOUND, a size
// or checksum that does not match DATA_LOSS, a full disk RESOURCE_EXHAUSTED
// (with the temporary file removed), a second upload of a name being
// uploaded ABORTED.
//
// An interrupted upload is kept for a time to live after its last byte
// (PartialTTL, DefaultPartialTTL: a day), not for ever: past it, Stat and
// List no longer show it and it cannot be continued, and the Store removes
// its files when it opens and then periodically, from the one goroutine it
// runs until Close. An upload in progress never expires.
//
// # Copies
//
// Neither side holds a whole file: a file moves chunk by chunk (ChunkSize),
// and each side's memory is bounded by the HTTP/2 windows and a few chunks.
// On the server's receive path, an upload's bytes are copied
//
//  1. from the socket into the connection's read buffer, by read(2) (the
//     kernel's copy);
//  2. from the read buffer into the DATA frame's buffer (a frame at least
//     as large as the read buffer is read straight into its own, but
//     clients send 16 KiB frames, the largest a peer may send until told
//     otherwise);
//  3. from the DATA buffers into one chunk's message buffer, where the
//     Length-Prefixed-Message is reassembled (framing.Reader);
//  4. from the message buffer into the file, by write(2) (the kernel's
//     copy).
//
// There is no copy by protobuf, which would copy each chunk's data out of
// its message buffer into a slice of its own, allocated per chunk: the
// handler receives each message undecoded (server.RecvRawMsg) and decodes
// it in place (DecodeUploadRequest), so the data is written to the file
// from where it lies, before the buffer is reused for the next chunk. On
// the send path of a download, the server reads a chunk from the file
// (read(2)), protobuf marshals it into the framed message buffer (one
// copy), and the engine's writer hands that buffer to writev(2) without
// copying it.
package filesvc
