package tracetest_test

import (
	"testing"

	"grpcwire/trace/tracetest"
)

// trace is a trace of one connection with times, its lines in the order
// one run printed them: the SETTINGS ACKs and the frames of streams 1 and 3
// interleave.
const timed = "" +
	"+0.000004s  c1 connection: client 127.0.0.1:40000, server 127.0.0.1:50051, traced at the client\n" +
	"+0.000283s  c1 -> SETTINGS      stream=0 len=6\n" +
	"                  ENABLE_PUSH = 0\n" +
	"+0.000818s  c1 <- SETTINGS      stream=0 len=0\n" +
	"+0.000900s  c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
	"                  :path = /a.B/C\n" +
	"+0.000950s  c1 <- SETTINGS      stream=0 flags=ACK len=0\n" +
	"+0.000960s  c1 -> HEADERS       stream=3 flags=END_HEADERS len=10  # Request-Headers\n" +
	"                  :path = /a.B/D\n" +
	"+10.001000s  c1 -> SETTINGS      stream=0 flags=ACK len=0\n" +
	"+10.002000s  c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers-Only\n" +
	"                   :status = 200\n" +
	"program output mixed in\n"

func TestStripTimes(t *testing.T) {
	want := "" +
		"c1 connection: client 127.0.0.1:40000, server 127.0.0.1:50051, traced at the client\n" +
		"c1 -> SETTINGS      stream=0 len=6\n" +
		"      ENABLE_PUSH = 0\n" +
		"c1 <- SETTINGS      stream=0 len=0\n" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
		"      :path = /a.B/C\n" +
		"c1 <- SETTINGS      stream=0 flags=ACK len=0\n" +
		"c1 -> HEADERS       stream=3 flags=END_HEADERS len=10  # Request-Headers\n" +
		"      :path = /a.B/D\n" +
		"c1 -> SETTINGS      stream=0 flags=ACK len=0\n" +
		"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers-Only\n" +
		"      :status = 200\n" +
		"program output mixed in\n"
	if got := tracetest.StripTimes(timed); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestParse(t *testing.T) {
	frames := tracetest.Parse(timed)
	want := []tracetest.Frame{
		{Conn: 1, Open: true},
		{Conn: 1, Sent: true, Type: "SETTINGS", Stream: 0},
		{Conn: 1, Type: "SETTINGS", Stream: 0},
		{Conn: 1, Sent: true, Type: "HEADERS", Stream: 1},
		{Conn: 1, Type: "SETTINGS", Stream: 0},
		{Conn: 1, Sent: true, Type: "HEADERS", Stream: 3},
		{Conn: 1, Sent: true, Type: "SETTINGS", Stream: 0},
		{Conn: 1, Type: "HEADERS", Stream: 1},
	}
	if len(frames) != len(want) {
		t.Fatalf("parsed %d frames, want %d: %+v", len(frames), len(want), frames)
	}
	for i, f := range frames {
		text := f.Text
		f.Text = ""
		if f != want[i] {
			t.Errorf("frame %d: %+v, want %+v", i, f, want[i])
		}
		if text == "" || text[len(text)-1] != '\n' {
			t.Errorf("frame %d: text %q, want whole lines", i, text)
		}
	}
	if got, want := frames[1].Text, "c1 -> SETTINGS      stream=0 len=6\n      ENABLE_PUSH = 0\n"; got != want {
		t.Errorf("a frame's text: %q, want %q (its line and detail)", got, want)
	}
}

func TestCanonical(t *testing.T) {
	want := "" +
		"c1 connection: client 127.0.0.1:40000, server 127.0.0.1:50051, traced at the client\n" +
		"c1 -> SETTINGS      stream=0 len=6\n" +
		"      ENABLE_PUSH = 0\n" +
		"c1 -> SETTINGS      stream=0 flags=ACK len=0\n" +
		"c1 <- SETTINGS      stream=0 len=0\n" +
		"c1 <- SETTINGS      stream=0 flags=ACK len=0\n" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
		"      :path = /a.B/C\n" +
		"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers-Only\n" +
		"      :status = 200\n" +
		"c1 -> HEADERS       stream=3 flags=END_HEADERS len=10  # Request-Headers\n" +
		"      :path = /a.B/D\n"
	if got := tracetest.Canonical(timed); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// Two connections: each is grouped on its own, in order of its first line.
	two := "c2 connection: x\nc1 connection: y\nc1 -> PING          stream=0 len=8 data=00\nc2 <- PING          stream=0 len=8 data=01\n"
	if got, want := tracetest.Canonical(two), "c2 connection: x\nc2 <- PING          stream=0 len=8 data=01\nc1 connection: y\nc1 -> PING          stream=0 len=8 data=00\n"; got != want {
		t.Errorf("two connections:\n%s\nwant:\n%s", got, want)
	}
}

func TestStream(t *testing.T) {
	want := "" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
		"      :path = /a.B/C\n" +
		"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers-Only\n" +
		"      :status = 200\n"
	if got := tracetest.Stream(timed, 1, 1); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := tracetest.Stream(timed, 2, 1); got != "" {
		t.Errorf("a connection not in the trace: %q, want nothing", got)
	}
}

// TestCausal: each side's opening frames, the peer's then this side's
// SETTINGS ACK, then the other stream-0 frames, read then written, then the
// streams; a later WINDOW_UPDATE on stream 0 is not taken for an opening
// one.
func TestCausal(t *testing.T) {
	trace := "" +
		"c1 connection: client a, server b, traced at the client\n" +
		"c1 -> SETTINGS      stream=0 len=6\n" +
		"      ENABLE_PUSH = 0\n" +
		"c1 -> WINDOW_UPDATE stream=0 len=4 increment=1\n" +
		"c1 -> SETTINGS      stream=0 flags=ACK len=0\n" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
		"c1 <- SETTINGS      stream=0 len=0\n" +
		"c1 <- WINDOW_UPDATE stream=0 len=4 increment=2\n" +
		"c1 <- SETTINGS      stream=0 flags=ACK len=0\n" +
		"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers-Only\n" +
		"c1 -> WINDOW_UPDATE stream=0 len=4 increment=3\n" +
		"c1 <- PING          stream=0 len=8 data=00\n" +
		"c1 -> GOAWAY        stream=0 len=8 last_stream=0 code=NO_ERROR\n"
	want := "" +
		"c1 connection: client a, server b, traced at the client\n" +
		"c1 -> SETTINGS      stream=0 len=6\n" +
		"      ENABLE_PUSH = 0\n" +
		"c1 -> WINDOW_UPDATE stream=0 len=4 increment=1\n" +
		"c1 <- SETTINGS      stream=0 len=0\n" +
		"c1 <- WINDOW_UPDATE stream=0 len=4 increment=2\n" +
		"c1 <- SETTINGS      stream=0 flags=ACK len=0\n" +
		"c1 -> SETTINGS      stream=0 flags=ACK len=0\n" +
		"c1 <- PING          stream=0 len=8 data=00\n" +
		"c1 -> WINDOW_UPDATE stream=0 len=4 increment=3\n" +
		"c1 -> GOAWAY        stream=0 len=8 last_stream=0 code=NO_ERROR\n" +
		"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
		"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers-Only\n"
	if got := tracetest.Causal(trace); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestNotes checks that a connection's notes are told apart from its frames
// and come last in the canonical order.
func TestNotes(t *testing.T) {
	tr := "" +
		"c1 connection: client a, server b, traced at the proxy\n" +
		"c1 -> SETTINGS      stream=0 len=0\n" +
		"c1 note: the client closed its connection after sending 33 bytes; the proxy closes the connection to the server\n" +
		"c1 <- SETTINGS      stream=0 len=0\n"
	frames := tracetest.Parse(tr)
	if len(frames) != 4 || !frames[2].Note || frames[2].Open || frames[1].Note {
		t.Fatalf("Parse: %+v", frames)
	}
	want := "" +
		"c1 connection: client a, server b, traced at the proxy\n" +
		"c1 -> SETTINGS      stream=0 len=0\n" +
		"c1 <- SETTINGS      stream=0 len=0\n" +
		"c1 note: the client closed its connection after sending 33 bytes; the proxy closes the connection to the server\n"
	if got := tracetest.Canonical(tr); got != want {
		t.Errorf("Canonical:\n%s\nwant:\n%s", got, want)
	}
	if got := tracetest.Stream(tr, 1, 0); got != "c1 -> SETTINGS      stream=0 len=0\nc1 <- SETTINGS      stream=0 len=0\n" {
		t.Errorf("Stream 0 holds the note:\n%s", got)
	}
}
