package transport

import (
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/bufpool"
)

// WriteHeaders queues a HEADERS frame (with CONTINUATION frames if the block
// is larger than the peer's MAX_FRAME_SIZE). end sets END_STREAM: trailers,
// or a Trailers-Only response.
func (s *Stream) WriteHeaders(fields []hpack.HeaderField, end bool) error {
	return s.Write(fields, nil, nil, nil, end)
}

// WriteData queues data as DATA frames; end sets END_STREAM on the last. If
// buf is not nil it is the pooled buffer behind data, released once written.
func (s *Stream) WriteData(data []byte, buf *[]byte, end bool) error {
	if data == nil {
		data = []byte{}
	}
	return s.Write(nil, data, buf, nil, end)
}

// Write queues, in order and as one hand-off to the writer, headers (if hdr
// is not nil), data (if data is not nil; buf, if not nil, is its pooled
// buffer, released once written) and trailers (if trl is not nil). The last
// frame carries END_STREAM when end is set; trailers always end the stream.
// A unary response is one Write of all three. Write blocks while the stream
// has too many bytes queued.
func (s *Stream) Write(hdr []hpack.HeaderField, data []byte, buf *[]byte, trl []hpack.HeaderField, end bool) error {
	end = end || trl != nil
	if err := s.admit(len(data), end); err != nil {
		bufpool.Put(buf)
		return err
	}
	var reqs [3]writeReq
	n := 0
	if hdr != nil {
		reqs[n] = writeReq{kind: reqHeaders, s: s, fields: hdr, endStream: end && data == nil && trl == nil}
		n++
	}
	if data != nil {
		reqs[n] = writeReq{kind: reqData, s: s, data: data, buf: buf, endStream: end && trl == nil}
		n++
	}
	if trl != nil {
		reqs[n] = writeReq{kind: reqHeaders, s: s, fields: trl, endStream: true}
		n++
	}
	if n == 0 {
		if !end {
			return nil
		}
		// END_STREAM alone: an empty DATA frame (a client's half-close).
		reqs[0] = writeReq{kind: reqData, s: s, endStream: true}
		n = 1
	}
	if err := s.conn.q.pushN(reqs[:n]...); err != nil {
		bufpool.Put(buf)
		return err
	}
	return nil
}
