package trace

import (
	"encoding/hex"
	"fmt"
	"grpcwire/observe"
	"strconv"
	"strings"

	"golang.org/x/net/http2"
)

// flagNames are the flags RFC 9113 section 6 defines for each frame type, in
// bit order. A flag bit has a meaning only for the types that define it
// (0x1 is END_STREAM on DATA and HEADERS but ACK on SETTINGS and PING), so the
// table is per type; bits a type does not define are printed in hex.
var flagNames = map[http2.FrameType][]struct {
	bit  http2.Flags
	name string
}{
	// "DATA frames MAY also contain padding" (6.1): END_STREAM (0x01), PADDED (0x08).
	http2.FrameData: {{http2.FlagDataEndStream, "END_STREAM"}, {http2.FlagDataPadded, "PADDED"}},
	// HEADERS (6.2): END_STREAM (0x01), END_HEADERS (0x04), PADDED (0x08), PRIORITY (0x20).
	http2.FrameHeaders: {
		{http2.FlagHeadersEndStream, "END_STREAM"},
		{http2.FlagHeadersEndHeaders, "END_HEADERS"},
		{http2.FlagHeadersPadded, "PADDED"},
		{http2.FlagHeadersPriority, "PRIORITY"},
	},
	// SETTINGS (6.5): ACK (0x01).
	http2.FrameSettings: {{http2.FlagSettingsAck, "ACK"}},
	// PUSH_PROMISE (6.6): END_HEADERS (0x04), PADDED (0x08).
	http2.FramePushPromise: {{http2.FlagPushPromiseEndHeaders, "END_HEADERS"}, {http2.FlagPushPromisePadded, "PADDED"}},
	// PING (6.7): ACK (0x01).
	http2.FramePing: {{http2.FlagPingAck, "ACK"}},
	// CONTINUATION (6.10): END_HEADERS (0x04).
	http2.FrameContinuation: {{http2.FlagContinuationEndHeaders, "END_HEADERS"}},
}

// appendFlags appends the frame's flags as NAME|NAME, or nothing when no flag
// is set.
func appendFlags(b []byte, t http2.FrameType, f http2.Flags) []byte {
	if f == 0 {
		return b
	}
	b = append(b, " flags="...)
	first := true
	sep := func() {
		if !first {
			b = append(b, '|')
		}
		first = false
	}
	for _, fl := range flagNames[t] {
		if f.Has(fl.bit) {
			sep()
			b = append(b, fl.name...)
			f &^= fl.bit
		}
	}
	if f != 0 {
		sep()
		b = fmt.Appendf(b, "0x%02x", uint8(f))
	}
	return b
}

// errCodeName returns the RFC 9113 name of an error code, or its value in hex
// for a code the RFC does not define.
func errCodeName(c http2.ErrCode) string {
	if c <= http2.ErrCodeHTTP11Required {
		return c.String()
	}
	return "0x" + strconv.FormatUint(uint64(c), 16)
}

// appendFrame appends the whole text of one frame: its line and its detail.
func (c *ConnTrace) appendFrame(b []byte, ev *observe.FrameEvent) []byte {
	h := ev.Header
	b = c.appendPrefix(b, ev.Time)
	indent := strings.Repeat(" ", len(b)+len("-> "))
	if ev.Sent {
		b = append(b, "-> "...)
	} else {
		b = append(b, "<- "...)
	}
	b = fmt.Appendf(b, "%-*s stream=%d", typeWidth, h.Type, h.StreamID)
	b = appendFlags(b, h.Type, h.Flags)
	b = fmt.Appendf(b, " len=%d", h.Length)

	d := detail{b: nil, indent: indent, rec: c.rec}
	switch h.Type {
	case http2.FrameHeaders:
		b = c.headers(b, &d, ev)
	case http2.FrameData:
		b = c.data(b, &d, ev)
	case http2.FrameSettings:
		for _, s := range ev.Settings {
			d.linef(0, "%s = %d", s.ID, s.Val)
		}
	case http2.FrameRSTStream:
		b = fmt.Appendf(b, " code=%s", errCodeName(ev.ErrCode))
		c.endStream(h.StreamID)
	case http2.FrameGoAway:
		b = fmt.Appendf(b, " last_stream=%d code=%s", ev.LastStreamID, errCodeName(ev.ErrCode))
		if len(ev.DebugData) > 0 {
			b = fmt.Appendf(b, " debug=%q", ev.DebugData)
		}
	case http2.FrameWindowUpdate:
		b = fmt.Appendf(b, " increment=%d", ev.Increment)
	case http2.FramePing:
		b = append(b, " data="...)
		b = hex.AppendEncode(b, ev.Ping[:])
	default:
		if h.Type > http2.FrameContinuation {
			d.linef(0, "(a frame type RFC 9113 does not define: \"Implementations MUST ignore and discard frames of unknown types\")")
		}
	}
	if ev.Problem != "" {
		// Set by a passive follower (package tap) that kept watching.
		d.linef(0, "(!) %s", ev.Problem)
	}
	b = append(b, '\n')
	if d.rec != nil {
		d.rec.lineEnd, d.rec.indent = len(b), len(indent)
	}
	return append(b, d.b...)
}

// detail collects the indented lines under a frame's line.
type detail struct {
	b      []byte
	indent string
	rec    *record // the frame for the structured outputs, or nil
}

// linef appends one detail line, indented by depth extra levels of two
// spaces.
func (d *detail) linef(depth int, format string, args ...any) {
	d.b = append(d.b, d.indent...)
	for range depth {
		d.b = append(d.b, "  "...)
	}
	d.b = fmt.Appendf(d.b, format, args...)
	d.b = append(d.b, '\n')
}

// lines appends text made of lines (each ending in a newline), indented by
// depth extra levels.
func (d *detail) lines(depth int, text string) {
	for line := range strings.Lines(text) {
		d.linef(depth, "%s", strings.TrimSuffix(line, "\n"))
	}
}
