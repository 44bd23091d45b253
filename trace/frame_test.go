package trace_test

import (
	"grpcwire/internal/testkit/golden"
	"grpcwire/observe"
	"strings"
	"testing"

	"golang.org/x/net/http2"
)

// TestFlagNames walks every row of RFC 9113's flags per frame type: a bit is
// named only for the types that define it.
func TestFlagNames(t *testing.T) {
	tests := []struct {
		typ   http2.FrameType
		flags http2.Flags
		want  string
	}{
		{http2.FrameData, 0x1, "flags=END_STREAM"},
		{http2.FrameData, 0x8, "flags=PADDED"},
		{http2.FrameHeaders, 0x1, "flags=END_STREAM"},
		{http2.FrameHeaders, 0x4, "flags=END_HEADERS"},
		{http2.FrameHeaders, 0x8, "flags=PADDED"},
		{http2.FrameHeaders, 0x20, "flags=PRIORITY"},
		{http2.FrameHeaders, 0x25, "flags=END_STREAM|END_HEADERS|PRIORITY"},
		{http2.FrameSettings, 0x1, "flags=ACK"},
		{http2.FramePushPromise, 0x4, "flags=END_HEADERS"},
		{http2.FramePushPromise, 0x8, "flags=PADDED"},
		{http2.FramePing, 0x1, "flags=ACK"},
		{http2.FrameContinuation, 0x4, "flags=END_HEADERS"},
		// Bits a type does not define are shown in hex, after the named ones.
		{http2.FrameData, 0x4, "flags=0x04"},
		{http2.FrameData, 0x41, "flags=END_STREAM|0x40"},
		{http2.FrameWindowUpdate, 0x1, "flags=0x01"},
		{http2.FrameRSTStream, 0xff, "flags=0xff"},
	}
	for _, tt := range tests {
		// The frame line up to its length; what follows depends on the type.
		got, _, _ := strings.Cut(frames(t, nil, &observe.FrameEvent{Header: header(tt.typ, tt.flags, 0, 0)}), " len=0")
		want := "c1 <- " + pad(tt.typ.String()) + " stream=0 " + tt.want
		if got != want {
			t.Errorf("%v with flags 0x%02x:\n got %q\nwant %q", tt.typ, uint8(tt.flags), got, want)
		}
	}
	// No flag set: no flags= at all.
	if got, want := frames(t, nil, &observe.FrameEvent{Sent: true, Header: header(http2.FrameData, 0, 1, 0)}),
		"c1 -> DATA          stream=1 len=0\n"; got != want {
		t.Errorf("DATA without flags:\n got %q\nwant %q", got, want)
	}
}

// pad pads a frame type to the type column's width.
func pad(s string) string {
	for len(s) < len("WINDOW_UPDATE") {
		s += " "
	}
	return s
}

// TestFrameDetail pins the line and detail of every frame type that is not
// HEADERS or DATA.
func TestFrameDetail(t *testing.T) {
	tests := []struct {
		name string
		ev   *observe.FrameEvent
		want string
	}{
		{"settings", &observe.FrameEvent{Sent: true, Header: header(http2.FrameSettings, 0, 0, 12), Settings: []http2.Setting{
			{ID: http2.SettingInitialWindowSize, Val: 1 << 20}, {ID: http2.SettingMaxConcurrentStreams, Val: 100},
		}}, "" +
			"c1 -> SETTINGS      stream=0 len=12\n" +
			"      INITIAL_WINDOW_SIZE = 1048576\n" +
			"      MAX_CONCURRENT_STREAMS = 100\n"},
		{"unknown setting", &observe.FrameEvent{Header: header(http2.FrameSettings, 0, 0, 6), Settings: []http2.Setting{{ID: 0x99, Val: 7}}}, "" +
			"c1 <- SETTINGS      stream=0 len=6\n" +
			"      UNKNOWN_SETTING_153 = 7\n"},
		{"settings ack", &observe.FrameEvent{Header: header(http2.FrameSettings, http2.FlagSettingsAck, 0, 0)},
			"c1 <- SETTINGS      stream=0 flags=ACK len=0\n"},
		{"ping", &observe.FrameEvent{Sent: true, Header: header(http2.FramePing, 0, 0, 8), Ping: [8]byte{1, 2, 3, 4, 5, 6, 7, 0xff}},
			"c1 -> PING          stream=0 len=8 data=01020304050607ff\n"},
		{"ping ack", &observe.FrameEvent{Header: header(http2.FramePing, http2.FlagPingAck, 0, 8), Ping: [8]byte{1}},
			"c1 <- PING          stream=0 flags=ACK len=8 data=0100000000000000\n"},
		{"rst_stream", &observe.FrameEvent{Sent: true, Header: header(http2.FrameRSTStream, 0, 5, 4), ErrCode: http2.ErrCodeCancel},
			"c1 -> RST_STREAM    stream=5 len=4 code=CANCEL\n"},
		{"rst_stream unknown code", &observe.FrameEvent{Header: header(http2.FrameRSTStream, 0, 5, 4), ErrCode: 0x1234},
			"c1 <- RST_STREAM    stream=5 len=4 code=0x1234\n"},
		{"goaway", &observe.FrameEvent{Header: header(http2.FrameGoAway, 0, 0, 8), LastStreamID: 7, ErrCode: http2.ErrCodeNo},
			"c1 <- GOAWAY        stream=0 len=8 last_stream=7 code=NO_ERROR\n"},
		{"goaway with debug data", &observe.FrameEvent{Header: header(http2.FrameGoAway, 0, 0, 21), LastStreamID: 0, ErrCode: http2.ErrCodeEnhanceYourCalm, DebugData: []byte("too_many_pings\x00")},
			"c1 <- GOAWAY        stream=0 len=21 last_stream=0 code=ENHANCE_YOUR_CALM debug=\"too_many_pings\\x00\"\n"},
		{"window_update", &observe.FrameEvent{Sent: true, Header: header(http2.FrameWindowUpdate, 0, 3, 4), Increment: 65535},
			"c1 -> WINDOW_UPDATE stream=3 len=4 increment=65535\n"},
		{"priority", &observe.FrameEvent{Header: header(http2.FramePriority, 0, 3, 5)},
			"c1 <- PRIORITY      stream=3 len=5\n"},
		{"unknown type", &observe.FrameEvent{Header: header(0x42, 0x3, 9, 2)},
			"c1 <- UNKNOWN_FRAME_TYPE_66 stream=9 flags=0x03 len=2\n" +
				"      (a frame type RFC 9113 does not define: \"Implementations MUST ignore and discard frames of unknown types\")\n"},
		{"a problem a passive follower found", &observe.FrameEvent{Header: header(http2.FramePing, 0, 0, 7), Problem: "a PING frame of 7 bytes: it must have 8 (a FRAME_SIZE_ERROR)"},
			"c1 <- PING          stream=0 len=7 data=0000000000000000\n" +
				"      (!) a PING frame of 7 bytes: it must have 8 (a FRAME_SIZE_ERROR)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := frames(t, nil, tt.ev); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s\n%s", got, tt.want, golden.FirstDiff(got, tt.want))
			}
		})
	}
}
