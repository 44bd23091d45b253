package rawh2

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/observe"
)

// Frame is one frame the server sent (a HEADERS frame with the
// CONTINUATION frames of its header block), copied out of the Framer's
// buffers so that a check may keep it.
type Frame struct {
	Type     http2.FrameType
	Flags    http2.Flags
	StreamID uint32
	// Length is the payload length of the frame header (for HEADERS, of
	// every frame of the header block).
	Length uint32
	// At is when the frame was read.
	At time.Time

	// Fields are a HEADERS frame's decoded header block, in order.
	Fields []hpack.HeaderField
	// Continuations counts the CONTINUATION frames of the block.
	Continuations int
	// Data is a DATA frame's payload without padding.
	Data []byte
	// ErrCode is RST_STREAM's and GOAWAY's code.
	ErrCode http2.ErrCode
	// LastStreamID and DebugData are GOAWAY's.
	LastStreamID uint32
	DebugData    []byte
	// Increment is WINDOW_UPDATE's.
	Increment uint32
	// Ping is PING's opaque data.
	Ping [8]byte
	// Settings are a SETTINGS frame's parameters.
	Settings []http2.Setting
}

// EndStream reports whether the frame ends the server's side of its
// stream: DATA or HEADERS with END_STREAM.
func (f *Frame) EndStream() bool {
	return (f.Type == http2.FrameData || f.Type == http2.FrameHeaders) && f.Flags.Has(http2.FlagDataEndStream)
}

// String summarises the frame for an error message: type, stream, flags,
// and what matters of its content.
func (f *Frame) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v stream=%d", f.Type, f.StreamID)
	if fl := flagNames(f.Type, f.Flags); fl != "" {
		b.WriteString(" flags=" + fl)
	}
	switch f.Type {
	case http2.FrameData:
		fmt.Fprintf(&b, " len=%d", len(f.Data))
	case http2.FrameHeaders:
		b.WriteString(" {")
		for i, hf := range f.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			v := hf.Value
			if len(v) > 60 {
				v = v[:60] + "…"
			}
			fmt.Fprintf(&b, "%s: %q", hf.Name, v)
		}
		b.WriteString("}")
	case http2.FrameRSTStream:
		fmt.Fprintf(&b, " code=%v", f.ErrCode)
	case http2.FrameGoAway:
		fmt.Fprintf(&b, " last_stream=%d code=%v", f.LastStreamID, f.ErrCode)
		if len(f.DebugData) > 0 {
			d := string(f.DebugData)
			if len(d) > 80 {
				d = d[:80] + "…"
			}
			fmt.Fprintf(&b, " debug=%q", d)
		}
	case http2.FrameWindowUpdate:
		fmt.Fprintf(&b, " increment=%d", f.Increment)
	}
	return b.String()
}

// flagNames names the flags HTTP/2 defines for frames of type t.
func flagNames(t http2.FrameType, fl http2.Flags) string {
	var names []string
	add := func(f http2.Flags, name string) {
		if fl.Has(f) {
			names = append(names, name)
		}
	}
	switch t {
	case http2.FrameData:
		add(http2.FlagDataEndStream, "END_STREAM")
		add(http2.FlagDataPadded, "PADDED")
	case http2.FrameHeaders:
		add(http2.FlagHeadersEndStream, "END_STREAM")
		add(http2.FlagHeadersEndHeaders, "END_HEADERS")
		add(http2.FlagHeadersPadded, "PADDED")
		add(http2.FlagHeadersPriority, "PRIORITY")
	case http2.FrameSettings, http2.FramePing:
		add(http2.FlagSettingsAck, "ACK")
	}
	return strings.Join(names, "|")
}

// Field returns the value of the first header field named name in fields,
// and whether there was one.
func Field(fields []hpack.HeaderField, name string) (string, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// event turns f into the observer's event.
func (f *Frame) event(sent bool) *observe.FrameEvent {
	return &observe.FrameEvent{
		Time:          f.At,
		Sent:          sent,
		Header:        http2.FrameHeader{Type: f.Type, Flags: f.Flags, Length: f.Length, StreamID: f.StreamID},
		Fields:        f.Fields,
		Continuations: f.Continuations,
		Data:          f.Data,
		ErrCode:       f.ErrCode,
		LastStreamID:  f.LastStreamID,
		DebugData:     f.DebugData,
		Increment:     f.Increment,
		Ping:          f.Ping,
		Settings:      f.Settings,
	}
}
