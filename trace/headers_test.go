package trace_test

import (
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/golden"
	"grpcwire/observe"
	"grpcwire/trace"
)

// TestHeaderRoles walks the names PROTOCOL-HTTP2.md gives header blocks:
// "Request → Request-Headers *Length-Prefixed-Message EOS" and "Response →
// (Response-Headers *Length-Prefixed-Message Trailers) / Trailers-Only".
func TestHeaderRoles(t *testing.T) {
	tests := []struct {
		name      string
		endStream bool
		kv        []string
		want      string // the frame line's comment; "" for none
	}{
		{"request", false, []string{":method", "POST", ":path", "/a.B/C"}, "  # Request-Headers"},
		{"request that ends the stream", true, []string{":method", "POST", ":path", "/a.B/C"}, "  # Request-Headers"},
		{"response headers", false, []string{":status", "200", "content-type", "application/grpc"}, "  # Response-Headers"},
		{"trailers-only", true, []string{":status", "200", "content-type", "application/grpc", "grpc-status", "5"}, "  # Trailers-Only"},
		{"trailers", true, []string{"grpc-status", "0"}, "  # Trailers"},
		{"neither", false, []string{"grpc-status", "0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fl http2.Flags
			if tt.endStream {
				fl = http2.FlagHeadersEndStream
			}
			out := frames(t, nil, headersEv(false, 1, fl, tt.kv...))
			line, _, _ := strings.Cut(out, "\n")
			_, comment, _ := strings.Cut(line, " len=10")
			if comment != tt.want {
				t.Errorf("frame line %q: comment %q, want %q", line, comment, tt.want)
			}
		})
	}
}

// TestHeaderFields pins how field values are shown: Custom-Metadata redacted
// unless ShowValues, the protocol's own fields always, binary values as the
// base64 they travel in, and comments for grpc-status, grpc-timeout and
// grpc-message.
func TestHeaderFields(t *testing.T) {
	ev := func() *observe.FrameEvent {
		return headersEv(true, 1, 0,
			":method", "POST",
			":path", "/users.Users/CreateUser",
			"grpc-timeout", "1500m",
			"user-agent", "grpc-go-grpcwire/0.1.0",
			"authorization", "Bearer secret",
			"trace-proto-bin", "AAEC",
			"empty", "",
			"odd", "a\x01b",
			"padded", " x ",
		)
	}
	redacted := "" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :path = /users.Users/CreateUser\n" +
		"      grpc-timeout = 1500m  # 1.5s\n" +
		"      user-agent = grpc-go-grpcwire/0.1.0\n" +
		"      authorization = <redacted, 13 bytes>\n" +
		"      trace-proto-bin = <redacted, 4 bytes>\n" +
		"      empty = <redacted, 0 bytes>\n" +
		"      odd = <redacted, 3 bytes>\n" +
		"      padded = <redacted, 3 bytes>\n"
	if got := frames(t, nil, ev()); got != redacted {
		t.Errorf("redacted:\n%s\n%s", got, golden.FirstDiff(got, redacted))
	}
	shown := "" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
		"      :method = POST\n" +
		"      :path = /users.Users/CreateUser\n" +
		"      grpc-timeout = 1500m  # 1.5s\n" +
		"      user-agent = grpc-go-grpcwire/0.1.0\n" +
		"      authorization = Bearer secret\n" +
		"      trace-proto-bin = AAEC\n" +
		"      empty = \"\"\n" +
		"      odd = \"a\\x01b\"\n" +
		"      padded = \" x \"\n"
	if got := frames(t, []trace.Option{trace.ShowValues()}, ev()); got != shown {
		t.Errorf("with ShowValues:\n%s\n%s", got, golden.FirstDiff(got, shown))
	}

	trailers := headersEv(false, 1, http2.FlagHeadersEndStream,
		"grpc-status", "3",
		"grpc-message", "name%20is%20required%3A%20%E2%98%BA",
		"grpc-status-details-bin", "CAMSEW5hbWU",
		"weird-status", "x",
	)
	want := "" +
		"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers\n" +
		"      grpc-status = 3  # INVALID_ARGUMENT\n" +
		"      grpc-message = name%20is%20required%3A%20%E2%98%BA  # \"name is required: ☺\"\n" +
		"      grpc-status-details-bin = CAMSEW5hbWU\n" +
		"      weird-status = <redacted, 1 bytes>\n"
	if got := frames(t, nil, trailers); got != want {
		t.Errorf("trailers:\n%s\n%s", got, golden.FirstDiff(got, want))
	}

	odd := headersEv(false, 1, http2.FlagHeadersEndStream, "grpc-status", "01", "grpc-message", "plain", "grpc-timeout", "forever")
	want = "" +
		"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers\n" +
		"      grpc-status = 01  # UNKNOWN\n" +
		"      grpc-message = plain\n" +
		"      grpc-timeout = forever  # not a valid grpc-timeout\n"
	if got := frames(t, nil, odd); got != want {
		t.Errorf("malformed values:\n%s\n%s", got, golden.FirstDiff(got, want))
	}
}

// TestContinuations shows how many CONTINUATION frames carried the block.
func TestContinuations(t *testing.T) {
	ev := headersEv(false, 1, 0, ":status", "200")
	ev.Continuations = 2
	want := "" +
		"c1 <- HEADERS       stream=1 flags=END_HEADERS len=10 (with 2 CONTINUATION)  # Response-Headers\n" +
		"      :status = 200\n"
	if got := frames(t, nil, ev); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
