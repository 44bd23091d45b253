package h2test

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// FrameLog returns the most recent frames the Peer sent (→) and received (←),
// oldest first, one per line: the same text every failure message ends with.
// It helps while writing a test, to see what the other side actually did.
func (p *Peer) FrameLog() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	n := len(p.log)
	if hidden := p.logTotal - n; hidden > 0 {
		fmt.Fprintf(&b, "recent frames (oldest first; %d earlier not shown):\n", hidden)
	} else {
		fmt.Fprintf(&b, "frames so far (oldest first):\n")
	}
	if n == 0 {
		b.WriteString("  (none)\n")
	}
	for i := range n {
		fmt.Fprintf(&b, "  %s\n", p.log[(p.logNext+i)%n])
	}
	return b.String()
}

// logf appends one line to the ring of recent frames.
func (p *Peer) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.logTotal++
	if len(p.log) < frameLogSize {
		p.log = append(p.log, line)
		return
	}
	p.log[p.logNext] = line
	p.logNext = (p.logNext + 1) % frameLogSize
}

// recordingReader keeps the bytes of the frame being read, so that the Peer
// can parse a private copy of it: http2.Framer reuses its buffers, and the
// frames a Peer returns must stay valid for as long as the test keeps them.
// The Framer reads exactly one frame's bytes per ReadFrame and buffers
// nothing, which is what makes this sound.
type recordingReader struct {
	r   io.Reader
	buf []byte
}

func (r *recordingReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.buf = append(r.buf, b[:n]...)
	return n, err
}

// sentLog is the writer under the Peer's Framer: it applies the write
// timeout, writes to the connection and logs every whole frame that went out,
// including frames a test wrote through p.Fr directly. Header blocks are
// decoded with a mirror of the remote side's HPACK decoder, so the log shows
// the fields the remote side will see (or that it cannot decode them).
type sentLog struct {
	p *Peer

	mu       sync.Mutex
	pending  []byte // bytes of a frame not yet complete
	dec      *hpack.Decoder
	block    []byte // header block being assembled across CONTINUATION
	inBlock  bool
	blockSID uint32
}

func newSentLog(p *Peer) *sentLog {
	return &sentLog{p: p, dec: hpack.NewDecoder(initialHeaderTableSize, nil)}
}

func (s *sentLog) Write(b []byte) (int, error) {
	s.p.Conn.SetWriteDeadline(time.Now().Add(s.p.Timeout()))
	n, err := s.p.Conn.Write(b)
	s.record(b[:n])
	return n, err
}

// setPeerTableSize follows the remote side's SETTINGS_HEADER_TABLE_SIZE, as
// its own decoder does.
func (s *sentLog) setPeerTableSize(v uint32) {
	s.mu.Lock()
	s.dec.SetAllowedMaxDynamicTableSize(v)
	s.mu.Unlock()
}

func (s *sentLog) record(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, b...)
	for len(s.pending) >= frameHeaderLen {
		length := int(s.pending[0])<<16 | int(s.pending[1])<<8 | int(s.pending[2])
		if len(s.pending) < frameHeaderLen+length {
			return
		}
		raw := s.pending[:frameHeaderLen+length]
		s.p.logf("→ %s", s.summarizeSent(raw))
		s.pending = s.pending[len(raw):]
	}
}

func (s *sentLog) summarizeSent(raw []byte) string {
	f, err := parseFrame(raw)
	if err != nil {
		return fmt.Sprintf("%s stream=%d flags=%#x len=%d (malformed: %v)",
			http2.FrameType(raw[3]), binary.BigEndian.Uint32(raw[5:9])&(1<<31-1), raw[4], len(raw)-frameHeaderLen, err)
	}
	var frag []byte
	var end bool
	switch f := f.(type) {
	case *http2.HeadersFrame:
		s.block, s.inBlock, s.blockSID = nil, true, f.StreamID
		frag, end = f.HeaderBlockFragment(), f.HeadersEnded()
	case *http2.ContinuationFrame:
		if !s.inBlock || s.blockSID != f.StreamID {
			return summarize(f) + " (no header block open on this stream)"
		}
		frag, end = f.HeaderBlockFragment(), f.HeadersEnded()
	default:
		return summarize(f)
	}
	s.block = append(s.block, frag...)
	if !end {
		return summarize(f)
	}
	s.inBlock = false
	fields, err := s.dec.DecodeFull(s.block)
	if err != nil {
		return fmt.Sprintf("%s (the header block does not decode: %v)", summarize(f), err)
	}
	return summarize(f) + " " + formatFields(fields)
}

// parseFrame parses one whole frame from its bytes with a Framer of its own,
// so the result shares no buffer with any other frame and stays valid.
func parseFrame(raw []byte) (http2.Frame, error) {
	fr := http2.NewFramer(io.Discard, strings.NewReader(string(raw)))
	fr.AllowIllegalReads = true // CONTINUATION is parsed alone here; order is checked by the Peer's Framer
	fr.SetMaxReadFrameSize(maxAllowedFrameSize)
	return fr.ReadFrame()
}

// frameFlags names the flags RFC 9113 §6 defines for each frame type; the log
// prints them by name so that END_STREAM is not left to be decoded from hex.
var frameFlags = map[http2.FrameType][]struct {
	flag http2.Flags
	name string
}{
	http2.FrameData:         {{http2.FlagDataEndStream, "END_STREAM"}, {http2.FlagDataPadded, "PADDED"}},
	http2.FrameHeaders:      {{http2.FlagHeadersEndStream, "END_STREAM"}, {http2.FlagHeadersEndHeaders, "END_HEADERS"}, {http2.FlagHeadersPadded, "PADDED"}, {http2.FlagHeadersPriority, "PRIORITY"}},
	http2.FrameSettings:     {{http2.FlagSettingsAck, "ACK"}},
	http2.FramePing:         {{http2.FlagPingAck, "ACK"}},
	http2.FrameContinuation: {{http2.FlagContinuationEndHeaders, "END_HEADERS"}},
	http2.FramePushPromise:  {{http2.FlagPushPromiseEndHeaders, "END_HEADERS"}, {http2.FlagPushPromisePadded, "PADDED"}},
}

func formatFlags(t http2.FrameType, flags http2.Flags) string {
	var names []string
	for _, f := range frameFlags[t] {
		if flags.Has(f.flag) {
			names = append(names, f.name)
			flags &^= f.flag
		}
	}
	if flags != 0 {
		names = append(names, fmt.Sprintf("%#x", uint8(flags)))
	}
	return strings.Join(names, "|")
}

// summarize renders one frame as a line of the frame log.
func summarize(f http2.Frame) string {
	h := f.Header()
	var b strings.Builder
	fmt.Fprintf(&b, "%v stream=%d", h.Type, h.StreamID)
	if fl := formatFlags(h.Type, h.Flags); fl != "" {
		b.WriteString(" " + fl)
	}
	switch f := f.(type) {
	case *Headers:
		if f.Continuations > 0 {
			fmt.Fprintf(&b, " (+%d CONTINUATION)", f.Continuations)
		}
		b.WriteString(" " + formatFields(f.Fields))
	case *http2.HeadersFrame:
		fmt.Fprintf(&b, " block=%dB", len(f.HeaderBlockFragment()))
	case *http2.ContinuationFrame:
		fmt.Fprintf(&b, " block=%dB", len(f.HeaderBlockFragment()))
	case *http2.DataFrame:
		fmt.Fprintf(&b, " len=%d %s", len(f.Data()), quoteTrunc(f.Data()))
	case *http2.SettingsFrame:
		if !f.IsAck() {
			var ss []string
			f.ForeachSetting(func(s http2.Setting) error {
				ss = append(ss, fmt.Sprintf("%v=%d", s.ID, s.Val))
				return nil
			})
			fmt.Fprintf(&b, " [%s]", strings.Join(ss, ", "))
		}
	case *http2.PingFrame:
		fmt.Fprintf(&b, " data=%x", f.Data)
	case *http2.RSTStreamFrame:
		fmt.Fprintf(&b, " %v", f.ErrCode)
	case *http2.GoAwayFrame:
		fmt.Fprintf(&b, " last_stream=%d %v debug=%s", f.LastStreamID, f.ErrCode, quoteTrunc(f.DebugData()))
	case *http2.WindowUpdateFrame:
		fmt.Fprintf(&b, " incr=%d", f.Increment)
	default:
		fmt.Fprintf(&b, " len=%d", h.Length)
	}
	return b.String()
}

// formatFields renders header fields as {name: value, ...} in wire order,
// values cut to summaryBytes.
func formatFields(fields []hpack.HeaderField) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.Name + ": " + quoteTrunc([]byte(f.Value))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func quoteTrunc(b []byte) string {
	if len(b) <= summaryBytes {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q…(%d bytes)", b[:summaryBytes], len(b))
}
