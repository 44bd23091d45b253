package h2test

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/net/http2"
)

// The Expect helpers read the next frame of interest and fail the test, with
// what arrived instead and the recent frame log, if it is not the one
// expected. Unless Strict is on, they skip (and record in Skipped) the frames
// a test rarely cares about — WINDOW_UPDATE, PING ACK and SETTINGS ACK — but
// never the kind of frame they are asked for.

// skippable reports whether f is one of the frames non-strict Expect calls
// pass over: flow-control credit and acknowledgements, whose timing depends
// on the other side's internals rather than on the test's script.
func skippable(f http2.Frame) bool {
	switch f := f.(type) {
	case *http2.WindowUpdateFrame:
		return true
	case *http2.PingFrame:
		return f.IsAck()
	case *http2.SettingsFrame:
		return f.IsAck()
	}
	return false
}

// expectNext returns the next frame that is wanted or not skippable. On a
// read failure it fails the test, naming want, and returns nil.
func (p *Peer) expectNext(want string, wanted func(http2.Frame) bool) http2.Frame {
	p.T.Helper()
	for {
		f, err := p.next()
		if err != nil {
			p.fatalf("waiting for %s: %v", want, err)
			return nil
		}
		if (wanted == nil || !wanted(f)) && skippable(f) && !p.isStrict() {
			p.skipped = append(p.skipped, f)
			continue
		}
		return f
	}
}

// mismatch fails the test because got arrived instead of want.
func (p *Peer) mismatch(want string, got http2.Frame) {
	p.T.Helper()
	p.fatalf("expected %s, got %s", want, summarize(got))
}

func endStreamText(endStream bool) string {
	if endStream {
		return "with END_STREAM"
	}
	return "without END_STREAM"
}

// ExpectHeaders expects a complete header block on streamID with END_STREAM
// set or not as given, and returns it: response headers without END_STREAM,
// trailers and Trailers-Only with it.
func (p *Peer) ExpectHeaders(streamID uint32, endStream bool) *Headers {
	p.T.Helper()
	want := fmt.Sprintf("HEADERS on stream %d %s", streamID, endStreamText(endStream))
	f := p.expectNext(want, nil)
	if f == nil {
		return nil
	}
	h, ok := f.(*Headers)
	if !ok || h.StreamID != streamID || h.EndStream != endStream {
		p.mismatch(want, f)
		return nil
	}
	return h
}

// ExpectData expects one DATA frame on streamID and returns its payload
// (padding removed) and whether it carried END_STREAM. DATA frame boundaries
// mean nothing to gRPC; use ExpectGRPCMessages to read messages.
func (p *Peer) ExpectData(streamID uint32) (data []byte, endStream bool) {
	p.T.Helper()
	data, endStream, _ = p.expectData(streamID)
	return data, endStream
}

func (p *Peer) expectData(streamID uint32) (data []byte, endStream, ok bool) {
	p.T.Helper()
	want := fmt.Sprintf("DATA on stream %d", streamID)
	f := p.expectNext(want, nil)
	if f == nil {
		return nil, false, false
	}
	d, ok := f.(*http2.DataFrame)
	if !ok || d.StreamID != streamID {
		p.mismatch(want, f)
		return nil, false, false
	}
	return d.Data(), d.StreamEnded(), true
}

// ExpectBody expects DATA frames on streamID up to and including the one
// with END_STREAM, and returns their payloads joined: a whole HTTP response
// body, however the other side cut it into frames.
func (p *Peer) ExpectBody(streamID uint32) []byte {
	p.T.Helper()
	var body []byte
	for {
		data, end, ok := p.expectData(streamID)
		if !ok {
			return body
		}
		body = append(body, data...)
		if end {
			return body
		}
	}
}

// ExpectRST expects RST_STREAM on streamID with code.
func (p *Peer) ExpectRST(streamID uint32, code http2.ErrCode) {
	p.T.Helper()
	want := fmt.Sprintf("RST_STREAM on stream %d with %v", streamID, code)
	f := p.expectNext(want, nil)
	if f == nil {
		return
	}
	r, ok := f.(*http2.RSTStreamFrame)
	if !ok || r.StreamID != streamID || r.ErrCode != code {
		p.mismatch(want, f)
	}
}

// ExpectGoAway expects GOAWAY with code and returns it, so the test can check
// LastStreamID and DebugData(); the frame is a private copy.
func (p *Peer) ExpectGoAway(code http2.ErrCode) *http2.GoAwayFrame {
	p.T.Helper()
	want := fmt.Sprintf("GOAWAY with %v", code)
	f := p.expectNext(want, nil)
	if f == nil {
		return nil
	}
	g, ok := f.(*http2.GoAwayFrame)
	if !ok || g.ErrCode != code {
		p.mismatch(want, f)
		return nil
	}
	return g
}

// ExpectPing expects a PING frame, an acknowledgement when ack is set, and
// returns its eight bytes of opaque data.
func (p *Peer) ExpectPing(ack bool) [8]byte {
	p.T.Helper()
	want := "PING"
	if ack {
		want = "PING ACK"
	}
	f := p.expectNext(want, func(f http2.Frame) bool {
		pf, ok := f.(*http2.PingFrame)
		return ok && pf.IsAck() == ack
	})
	if f == nil {
		return [8]byte{}
	}
	pf, ok := f.(*http2.PingFrame)
	if !ok || pf.IsAck() != ack {
		p.mismatch(want, f)
		return [8]byte{}
	}
	return pf.Data
}

// ExpectSettings expects a SETTINGS frame that is not an acknowledgement and
// returns its settings in wire order. It does not acknowledge them: the test
// decides whether and when to (WriteSettingsAck), which is what lets it test
// the other side's SETTINGS timeout.
func (p *Peer) ExpectSettings() []http2.Setting {
	p.T.Helper()
	const want = "SETTINGS"
	f := p.expectNext(want, nil)
	if f == nil {
		return nil
	}
	s, ok := f.(*http2.SettingsFrame)
	if !ok || s.IsAck() {
		p.mismatch(want, f)
		return nil
	}
	return settingsList(s)
}

// ExpectSettingsAck expects the acknowledgement of this Peer's SETTINGS.
func (p *Peer) ExpectSettingsAck() {
	p.T.Helper()
	const want = "SETTINGS ACK"
	f := p.expectNext(want, func(f http2.Frame) bool {
		s, ok := f.(*http2.SettingsFrame)
		return ok && s.IsAck()
	})
	if f == nil {
		return
	}
	if s, ok := f.(*http2.SettingsFrame); !ok || !s.IsAck() {
		p.mismatch(want, f)
	}
}

// ExpectWindowUpdate expects a WINDOW_UPDATE on streamID (0 for the
// connection) and returns its increment. Without Strict, WINDOW_UPDATEs for
// other streams are skipped on the way.
func (p *Peer) ExpectWindowUpdate(streamID uint32) uint32 {
	p.T.Helper()
	want := fmt.Sprintf("WINDOW_UPDATE on stream %d", streamID)
	f := p.expectNext(want, func(f http2.Frame) bool {
		w, ok := f.(*http2.WindowUpdateFrame)
		return ok && w.StreamID == streamID
	})
	if f == nil {
		return 0
	}
	w, ok := f.(*http2.WindowUpdateFrame)
	if !ok || w.StreamID != streamID {
		p.mismatch(want, f)
		return 0
	}
	return w.Increment
}

// ExpectFrame expects a frame of type t on streamID and returns it, for the
// frame types without a helper of their own (PRIORITY, PUSH_PROMISE, unknown
// extension types). A HEADERS frame comes back as *Headers.
func (p *Peer) ExpectFrame(t http2.FrameType, streamID uint32) http2.Frame {
	p.T.Helper()
	want := fmt.Sprintf("%v on stream %d", t, streamID)
	f := p.expectNext(want, func(f http2.Frame) bool {
		return f.Header().Type == t && f.Header().StreamID == streamID
	})
	if f == nil {
		return nil
	}
	if h := f.Header(); h.Type != t || h.StreamID != streamID {
		p.mismatch(want, f)
		return nil
	}
	return f
}

// ExpectClosed expects the other side to close the connection (a clean EOF
// or a reset) within the timeout. Frames of the types listed in ignore, and
// unless Strict the usual skippable frames, may arrive first and are recorded
// in Skipped; any other frame fails the test.
func (p *Peer) ExpectClosed(ignore ...http2.FrameType) {
	p.T.Helper()
	const want = "the connection to close"
	for {
		f, err := p.next()
		if errors.Is(err, errClosed) {
			return
		}
		if err != nil {
			p.fatalf("waiting for %s: %v", want, err)
			return
		}
		if slices.Contains(ignore, f.Header().Type) || (skippable(f) && !p.isStrict()) {
			p.skipped = append(p.skipped, f)
			continue
		}
		p.mismatch(want, f)
		return
	}
}

// ExpectNoFrame expects the other side to send nothing for d — nothing but
// the usual skippable frames unless Strict — and fails the test with the
// frame that did arrive. It is for checking that something does not happen
// (no response before END_STREAM, no second RST_STREAM); it necessarily
// waits the full d, so keep d short.
func (p *Peer) ExpectNoFrame(d time.Duration) {
	p.T.Helper()
	want := fmt.Sprintf("no frame for %v", d)
	if len(p.pending) > 0 {
		p.mismatch(want, p.pending[0])
		return
	}
	deadline := time.Now().Add(d)
	for {
		f, err := p.readWire(deadline)
		var te timeoutError
		if errors.As(err, &te) {
			return
		}
		if err != nil {
			p.fatalf("expecting %s: %v", want, err)
			return
		}
		if skippable(f) && !p.isStrict() {
			p.skipped = append(p.skipped, f)
			continue
		}
		p.mismatch(want, f)
		return
	}
}
