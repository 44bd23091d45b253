package tap

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// frame decodes one whole frame, whose header is d.fh, and tells the
// observer of it (a HEADERS or PUSH_PROMISE frame once its header block is
// complete). p is valid only during the call.
func (d *Direction) frame(p []byte) {
	h := d.fh
	if d.block != nil && (h.Type != http2.FrameContinuation || h.StreamID != d.block.ev.Header.StreamID) {
		// "A HEADERS frame without the END_HEADERS flag set MUST be
		// followed by a CONTINUATION frame for the same stream. A receiver
		// MUST treat the receipt of any other type of frame or a frame on
		// a different stream as a connection error of type
		// PROTOCOL_ERROR." (section 6.2)
		d.block.problem = fmt.Sprintf("the header block has no END_HEADERS: a %s frame on stream %d came before its CONTINUATION (a PROTOCOL_ERROR)", h.Type, h.StreamID)
		d.flushFragments()
		d.breakHPACK("a header block was cut short by another frame")
		d.finishBlock()
	}
	ev := observe.FrameEvent{Header: h}
	switch h.Type {
	case http2.FrameData:
		d.data(&ev, p)
	case http2.FrameHeaders, http2.FramePushPromise:
		d.headers(&ev, p)
		return
	case http2.FrameContinuation:
		if d.block != nil {
			d.continuation(p)
			return
		}
		ev.Problem = "a CONTINUATION frame with no header block to continue (a PROTOCOL_ERROR)"
	case http2.FramePriority:
		// "The PRIORITY frame always identifies a stream"; 5 octets
		// (section 6.3).
		ev.Problem = wantLength(h, 5)
		if h.StreamID == 0 {
			ev.Problem = "a PRIORITY frame on stream 0 (a PROTOCOL_ERROR)"
		}
	case http2.FrameRSTStream:
		// "A RST_STREAM frame with a length other than 4 octets MUST be
		// treated as a connection error of type FRAME_SIZE_ERROR."
		if ev.Problem = wantLength(h, 4); ev.Problem == "" {
			ev.ErrCode = http2.ErrCode(binary.BigEndian.Uint32(p))
		}
		if h.StreamID == 0 {
			ev.Problem = "a RST_STREAM frame on stream 0 (a PROTOCOL_ERROR)"
		}
	case http2.FrameSettings:
		d.settings(&ev, p)
	case http2.FramePing:
		// "Receipt of a PING frame with a length field value other than 8
		// MUST be treated as a connection error ... FRAME_SIZE_ERROR."
		if ev.Problem = wantLength(h, 8); ev.Problem == "" {
			copy(ev.Ping[:], p)
		}
		if h.StreamID != 0 {
			ev.Problem = "a PING frame on stream " + strconv.FormatUint(uint64(h.StreamID), 10) + ": PING belongs to stream 0 (a PROTOCOL_ERROR)"
		}
	case http2.FrameGoAway:
		// Last-Stream-ID (31 bits), Error Code (32), Additional Debug Data.
		if len(p) < 8 {
			ev.Problem = fmt.Sprintf("a GOAWAY frame of %d bytes: it needs at least 8 (a FRAME_SIZE_ERROR)", len(p))
			break
		}
		ev.LastStreamID = binary.BigEndian.Uint32(p) & (1<<31 - 1)
		ev.ErrCode = http2.ErrCode(binary.BigEndian.Uint32(p[4:]))
		ev.DebugData = p[8:]
		if h.StreamID != 0 {
			ev.Problem = "a GOAWAY frame on a stream other than 0 (a PROTOCOL_ERROR)"
		}
	case http2.FrameWindowUpdate:
		// "A WINDOW_UPDATE frame with a length other than 4 octets MUST be
		// treated as a connection error of type FRAME_SIZE_ERROR."
		if ev.Problem = wantLength(h, 4); ev.Problem != "" {
			break
		}
		ev.Increment = binary.BigEndian.Uint32(p) & (1<<31 - 1)
		if ev.Increment == 0 {
			// "A receiver MUST treat the receipt of a WINDOW_UPDATE frame
			// with a flow-control window increment of 0 as a stream error
			// of type PROTOCOL_ERROR".
			ev.Problem = "a window increment of 0 (a PROTOCOL_ERROR)"
		}
	default:
		// A type RFC 9113 does not define: "Implementations MUST ignore
		// and discard frames of unknown types." It is shown as it came.
	}
	d.observe(&ev)
}

// data decodes a DATA frame (section 6.1): an optional Pad Length, the
// data, the padding.
func (d *Direction) data(ev *observe.FrameEvent, p []byte) {
	data, problem := unpad(ev.Header, p, http2.FlagDataPadded)
	ev.Data, ev.Problem = data, problem
	if ev.Header.StreamID == 0 {
		ev.Problem = "a DATA frame on stream 0 (a PROTOCOL_ERROR)"
	}
}

// unpad removes the padding of a DATA, HEADERS or PUSH_PROMISE payload
// that has the PADDED flag (bit padded): "Padding that exceeds the size
// remaining for the header block fragment MUST be treated as a
// PROTOCOL_ERROR."
func unpad(h http2.FrameHeader, p []byte, padded http2.Flags) ([]byte, string) {
	if !h.Flags.Has(padded) {
		return p, ""
	}
	if len(p) == 0 {
		return nil, "PADDED, but the frame has no Pad Length byte (a FRAME_SIZE_ERROR)"
	}
	pad := int(p[0])
	if pad > len(p)-1 {
		return nil, fmt.Sprintf("a Pad Length of %d in a payload of %d bytes (a PROTOCOL_ERROR)", pad, len(p))
	}
	return p[1 : len(p)-pad], ""
}

// settings decodes a SETTINGS frame (section 6.5) and records the limits
// it announces for the other side's frames.
func (d *Direction) settings(ev *observe.FrameEvent, p []byte) {
	h := ev.Header
	if h.StreamID != 0 {
		ev.Problem = "a SETTINGS frame on a stream other than 0 (a PROTOCOL_ERROR)"
		return
	}
	if h.Flags.Has(http2.FlagSettingsAck) {
		// "Receipt of a SETTINGS frame with the ACK flag set and a length
		// field value other than 0 MUST be treated as a connection error
		// of type FRAME_SIZE_ERROR."
		ev.Problem = wantLength(h, 0)
		return
	}
	if len(p)%6 != 0 {
		// "A SETTINGS frame with a length other than a multiple of 6
		// octets MUST be treated as a connection error of type
		// FRAME_SIZE_ERROR."
		ev.Problem = fmt.Sprintf("a SETTINGS payload of %d bytes, not a multiple of 6 (a FRAME_SIZE_ERROR)", len(p))
		return
	}
	for ; len(p) > 0; p = p[6:] {
		s := http2.Setting{ID: http2.SettingID(binary.BigEndian.Uint16(p)), Val: binary.BigEndian.Uint32(p[2:])}
		ev.Settings = append(ev.Settings, s)
		switch s.ID {
		case http2.SettingHeaderTableSize:
			d.f.announceTableSize(d.side, s.Val)
		case http2.SettingMaxFrameSize:
			if s.Val < initialMaxFrameSize || s.Val > maxAllowedFrameSize {
				// "Values outside this range MUST be treated as a
				// connection error of type PROTOCOL_ERROR."
				ev.Problem = fmt.Sprintf("MAX_FRAME_SIZE %d is outside [%d, %d] (a PROTOCOL_ERROR)", s.Val, initialMaxFrameSize, maxAllowedFrameSize)
				continue
			}
			d.f.announceFrameSize(d.side, s.Val)
		case http2.SettingEnablePush:
			if s.Val > 1 {
				ev.Problem = fmt.Sprintf("ENABLE_PUSH %d: only 0 and 1 are allowed (a PROTOCOL_ERROR)", s.Val)
			}
		case http2.SettingInitialWindowSize:
			if s.Val > 1<<31-1 {
				ev.Problem = fmt.Sprintf("INITIAL_WINDOW_SIZE %d is above 2^31-1 (a FLOW_CONTROL_ERROR)", s.Val)
			}
		}
	}
}

// wantLength says what is wrong with a frame of a type whose payload has
// a fixed length n, or "" when it has it.
func wantLength(h http2.FrameHeader, n uint32) string {
	if h.Length == n {
		return ""
	}
	return fmt.Sprintf("a %s frame of %d bytes: it must have %d (a FRAME_SIZE_ERROR)", h.Type, h.Length, n)
}

// describeOversized says what a frame header announcing more than the
// receiver allows means: most likely, bytes that are not frames at all.
func describeOversized(d *Direction, h http2.FrameHeader, maxFrame uint32) string {
	return fmt.Sprintf("the %s sent a frame header announcing a %s frame of %d bytes, more than the %s allows "+
		"(SETTINGS_MAX_FRAME_SIZE %d): a FRAME_SIZE_ERROR, or bytes that are not HTTP/2 frames (%s)",
		d.name(), h.Type, h.Length, d.peerName(), maxFrame, describeBytes(d.hdr[:], false))
}

// describeBytes names what the first bytes of a direction look like when
// they are not HTTP/2: a TLS record, HTTP/1.x, text, or just their hex.
func describeBytes(b []byte, fromClient bool) string {
	switch {
	case len(b) >= 2 && b[0] == 0x16 && b[1] == 0x03:
		if fromClient {
			return "a TLS handshake: the client speaks TLS to a cleartext listener; give the proxy -cert and -key"
		}
		return "a TLS record: the server speaks TLS; leave out -plaintext"
	case len(b) >= 2 && b[0] == 0x15 && b[1] == 0x03:
		return "a TLS alert: the other side expected TLS"
	case bytes.HasPrefix(b, []byte("HTTP/1.")):
		return "an HTTP/1.x response " + strconv.Quote(string(b))
	case fromClient && isHTTP1Request(b):
		return "an HTTP/1.x request " + strconv.Quote(string(b))
	}
	return fmt.Sprintf("% x", b)
}

// isHTTP1Request reports whether b starts like an HTTP/1.x request line.
func isHTTP1Request(b []byte) bool {
	for _, m := range []string{"GET ", "POST ", "PUT ", "HEAD ", "OPTIONS ", "DELETE ", "PATCH ", "CONNECT "} {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}
