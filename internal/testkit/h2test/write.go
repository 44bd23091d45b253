package h2test

import (
	"fmt"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Every Write method writes exactly the frame it names, legal or not (the
// Framer allows illegal writes), and fails the test if the write fails or
// does not complete within the timeout. Writes from several goroutines are
// serialised.

// write runs fn with the write side locked and fails the test on an error.
func (p *Peer) write(what string, fn func() error) {
	p.T.Helper()
	p.wmu.Lock()
	err := fn()
	p.wmu.Unlock()
	if err != nil {
		hint := ""
		if isTimeout(err) {
			hint = fmt.Sprintf(" (the other side read nothing for %v; over SyncPipe every write waits for a read)", p.Timeout())
		}
		p.fatalf("writing %s: %v%s", what, err, hint)
	}
}

// pairs turns name, value, name, value... into header fields, failing the
// test on an odd count (a value without its name is a bug in the test).
func (p *Peer) pairs(kv []string) ([]hpack.HeaderField, bool) {
	p.T.Helper()
	if len(kv)%2 != 0 {
		p.fatalf("header fields must come as name, value pairs; got %d strings: %q", len(kv), kv)
		return nil, false
	}
	fields := make([]hpack.HeaderField, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		fields = append(fields, hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return fields, true
}

// encodeLocked HPACK-encodes fields with this Peer's encoder; wmu is held.
// The encoder's dynamic table changes with every call, so blocks must reach
// the other side in the order they were encoded.
func (p *Peer) encodeLocked(fields []hpack.HeaderField) []byte {
	p.encBuf.Reset()
	for _, f := range fields {
		p.enc.WriteField(f) // writes to a bytes.Buffer, which cannot fail
	}
	return append([]byte(nil), p.encBuf.Bytes()...)
}

// EncodeHeaders returns the HPACK block for name, value, ... pairs, encoded
// with this Peer's encoder, for tests that cut a block into HEADERS and
// CONTINUATION frames themselves. Encoding updates the encoder's dynamic
// table, so blocks must be sent in the order they were encoded, or the other
// side will decode them wrongly.
func (p *Peer) EncodeHeaders(fields ...string) []byte {
	p.T.Helper()
	hf, ok := p.pairs(fields)
	if !ok {
		return nil
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return p.encodeLocked(hf)
}

// WriteHeaders writes a header block of name, value, ... pairs on streamID:
// one HEADERS frame, followed by CONTINUATION frames if the block is larger
// than the other side's SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.3).
func (p *Peer) WriteHeaders(streamID uint32, endStream bool, fields ...string) {
	p.T.Helper()
	hf, ok := p.pairs(fields)
	if !ok {
		return
	}
	p.writeHeaderBlock(streamID, endStream, hf)
}

func (p *Peer) writeHeaderBlock(streamID uint32, endStream bool, fields []hpack.HeaderField) {
	p.T.Helper()
	p.write(fmt.Sprintf("HEADERS on stream %d", streamID), func() error {
		block := p.encodeLocked(fields)
		limit := int(p.peerMaxFrame)
		first := block[:min(len(block), limit)]
		block = block[len(first):]
		err := p.Fr.WriteHeaders(http2.HeadersFrameParam{
			StreamID: streamID, BlockFragment: first, EndStream: endStream, EndHeaders: len(block) == 0,
		})
		for err == nil && len(block) > 0 {
			frag := block[:min(len(block), limit)]
			block = block[len(frag):]
			err = p.Fr.WriteContinuation(streamID, len(block) == 0, frag)
		}
		return err
	})
}

// WriteHeadersFields writes one HEADERS frame carrying fields (which may set
// Sensitive to be sent never-indexed), with END_STREAM and END_HEADERS as
// given and no splitting: with endHeaders false the test continues the block
// itself with WriteContinuation, or breaks the protocol by not doing so.
func (p *Peer) WriteHeadersFields(streamID uint32, endStream, endHeaders bool, fields []hpack.HeaderField) {
	p.T.Helper()
	p.write(fmt.Sprintf("HEADERS on stream %d", streamID), func() error {
		return p.Fr.WriteHeaders(http2.HeadersFrameParam{
			StreamID: streamID, BlockFragment: p.encodeLocked(fields), EndStream: endStream, EndHeaders: endHeaders,
		})
	})
}

// WriteHeadersParam writes one HEADERS frame exactly as param describes it,
// padding and priority included, with a block the test encoded (see
// EncodeHeaders) or made up.
func (p *Peer) WriteHeadersParam(param http2.HeadersFrameParam) {
	p.T.Helper()
	p.write(fmt.Sprintf("HEADERS on stream %d", param.StreamID), func() error {
		return p.Fr.WriteHeaders(param)
	})
}

// WriteContinuation writes one CONTINUATION frame carrying fragment.
func (p *Peer) WriteContinuation(streamID uint32, endHeaders bool, fragment []byte) {
	p.T.Helper()
	p.write(fmt.Sprintf("CONTINUATION on stream %d", streamID), func() error {
		return p.Fr.WriteContinuation(streamID, endHeaders, fragment)
	})
}

// WriteData writes one DATA frame; it does not split data to fit the other
// side's SETTINGS_MAX_FRAME_SIZE, so a test can also send one too large.
func (p *Peer) WriteData(streamID uint32, endStream bool, data []byte) {
	p.T.Helper()
	p.write(fmt.Sprintf("DATA on stream %d", streamID), func() error {
		return p.Fr.WriteData(streamID, endStream, data)
	})
}

// WriteDataPadded writes one DATA frame with padding, which counts against
// flow control (RFC 9113 §6.1) and so matters to window tests.
func (p *Peer) WriteDataPadded(streamID uint32, endStream bool, data, pad []byte) {
	p.T.Helper()
	p.write(fmt.Sprintf("padded DATA on stream %d", streamID), func() error {
		return p.Fr.WriteDataPadded(streamID, endStream, data, pad)
	})
}

// WriteGRPCMessage writes msg as one Length-Prefixed-Message in one DATA
// frame: the Compressed-Flag, the four-byte big-endian length, then msg. It
// does not compress: with compressed set, msg must already be compressed (or
// deliberately not, to test the other side's error).
func (p *Peer) WriteGRPCMessage(streamID uint32, endStream bool, compressed bool, msg []byte) {
	p.T.Helper()
	p.WriteData(streamID, endStream, LengthPrefixed(compressed, msg))
}

// WriteRST writes RST_STREAM with code on streamID.
func (p *Peer) WriteRST(streamID uint32, code http2.ErrCode) {
	p.T.Helper()
	p.write(fmt.Sprintf("RST_STREAM on stream %d", streamID), func() error {
		return p.Fr.WriteRSTStream(streamID, code)
	})
}

// WritePing writes a PING frame, or its acknowledgement when ack is set.
func (p *Peer) WritePing(ack bool, data [8]byte) {
	p.T.Helper()
	p.write("PING", func() error { return p.Fr.WritePing(ack, data) })
}

// WriteSettings writes a SETTINGS frame. The values this Peer advertises
// also govern what it accepts from then on: the HPACK table size its decoder
// allows and the largest frame its Framer reads.
func (p *Peer) WriteSettings(settings ...http2.Setting) {
	p.T.Helper()
	p.mu.Lock()
	p.ownSettings = append(p.ownSettings, settings...)
	p.mu.Unlock()
	p.write("SETTINGS", func() error { return p.Fr.WriteSettings(settings...) })
}

// WriteSettingsAck acknowledges the other side's SETTINGS (RFC 9113 §6.5.3).
func (p *Peer) WriteSettingsAck() {
	p.T.Helper()
	p.write("SETTINGS ACK", func() error { return p.Fr.WriteSettingsAck() })
}

// WriteWindowUpdate writes a WINDOW_UPDATE granting incr more bytes on
// streamID, or on the connection when streamID is 0.
func (p *Peer) WriteWindowUpdate(streamID, incr uint32) {
	p.T.Helper()
	p.write(fmt.Sprintf("WINDOW_UPDATE on stream %d", streamID), func() error {
		return p.Fr.WriteWindowUpdate(streamID, incr)
	})
}

// WriteGoAway writes GOAWAY naming the last stream this side processed.
func (p *Peer) WriteGoAway(lastStreamID uint32, code http2.ErrCode, debug []byte) {
	p.T.Helper()
	p.write("GOAWAY", func() error { return p.Fr.WriteGoAway(lastStreamID, code, debug) })
}

// WriteRaw writes a frame with any type, flags, stream and payload, for the
// malformed frames no other helper will produce.
func (p *Peer) WriteRaw(t http2.FrameType, flags http2.Flags, streamID uint32, payload []byte) {
	p.T.Helper()
	p.write(fmt.Sprintf("%v frame on stream %d", t, streamID), func() error {
		return p.Fr.WriteRawFrame(t, flags, streamID, payload)
	})
}
