package transport

import (
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/bufpool"
)

// A stream's write operations: what the layers above send, each shape of
// HTTP/2 message one method. Each is one hand-off to the writer (a unary
// response's headers, message and trailers go together, so that they can
// leave in one syscall), and each blocks while the stream already has
// SendQuota bytes of DATA queued, so that a peer that stops reading makes
// the sender wait instead of growing memory. A buf argument, when not nil,
// is the pooled buffer behind data: the writer releases it once the bytes
// are written (or dropped), and the operation releases it when it fails.

// WriteHeaders queues a HEADERS frame (with CONTINUATION frames when the
// block is larger than the peer's MAX_FRAME_SIZE); the stream stays open.
func (s *Stream) WriteHeaders(fields []hpack.HeaderField) error {
	return s.write(fields, nil, nil, nil, false)
}

// WriteData queues data as DATA frames, split by the flow-control windows
// and MAX_FRAME_SIZE; the stream stays open.
func (s *Stream) WriteData(data []byte, buf *[]byte) error {
	if data == nil {
		data = []byte{}
	}
	return s.write(nil, data, buf, nil, false)
}

// WriteHeadersAndData queues headers and then data, as a response's first
// message goes: in one hand-off. The stream stays open.
func (s *Stream) WriteHeadersAndData(hdr []hpack.HeaderField, data []byte, buf *[]byte) error {
	if data == nil {
		data = []byte{}
	}
	return s.write(hdr, data, buf, nil, false)
}

// WriteTrailers queues trailers: a HEADERS frame with END_STREAM, after
// the headers and data already written.
func (s *Stream) WriteTrailers(trl []hpack.HeaderField) error {
	return s.write(nil, nil, nil, trl, true)
}

// WriteHeadersAndTrailers queues headers and trailers as two HEADERS frames,
// the second with END_STREAM: a response with no message whose headers
// must still arrive as headers (they carry metadata).
func (s *Stream) WriteHeadersAndTrailers(hdr, trl []hpack.HeaderField) error {
	return s.write(hdr, nil, nil, trl, true)
}

// WriteTrailersOnly queues one HEADERS frame with END_STREAM that is the
// whole response: Trailers-Only (PROTOCOL-HTTP2.md: "Trailers-Only is
// permitted for calls that produce an immediate error").
func (s *Stream) WriteTrailersOnly(fields []hpack.HeaderField) error {
	return s.write(fields, nil, nil, nil, true)
}

// WriteResponse queues a whole response in one hand-off: headers (nil when
// they were written already), one DATA payload and the trailers, which end
// the stream. A unary call's response is one WriteResponse.
func (s *Stream) WriteResponse(hdr []hpack.HeaderField, data []byte, buf *[]byte, trl []hpack.HeaderField) error {
	if data == nil {
		data = []byte{}
	}
	return s.write(hdr, data, buf, trl, true)
}

// WriteHeadersAndBody queues a whole response without trailers: headers,
// then body in DATA frames, the last with END_STREAM. Plain HTTP answers
// (405, 415, 431) are written so.
func (s *Stream) WriteHeadersAndBody(hdr []hpack.HeaderField, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	return s.write(hdr, body, nil, nil, true)
}

// CloseSend ends this side of the stream with END_STREAM alone (an empty
// DATA frame): a client's half-close after its last message.
func (s *Stream) CloseSend() error {
	return s.write(nil, nil, nil, nil, true)
}

// write queues, in order and as one hand-off to the writer, headers (if hdr
// is not nil), data (if data is not nil) and trailers (if trl is not nil).
// The last frame carries END_STREAM when end is set; trailers always end
// the stream. With nothing to write but end, it queues an empty DATA frame
// with END_STREAM.
func (s *Stream) write(hdr []hpack.HeaderField, data []byte, buf *[]byte, trl []hpack.HeaderField, end bool) error {
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
	if s.inlineCandidate(len(data), end) && s.conn.writeInline(reqs[:n]) {
		return nil
	}
	if err := s.conn.q.pushN(reqs[:n]...); err != nil {
		bufpool.Put(buf)
		return err
	}
	return nil
}
