package trace_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
	"grpcwire/trace"
	"grpcwire/trace/tracetest"
)

// TestStreamsForgotten checks that the trace keeps no state for streams that
// ended: both directions with END_STREAM, or a reset from either side.
func TestStreamsForgotten(t *testing.T) {
	var buf bytes.Buffer
	c := trace.New(&buf).Conn(trace.Client, "a", "b", time.Now())
	req := lpm(t, 0, marshal(t, tomReq))
	// Stream 1 ends both ways; stream 3 is reset by the peer; stream 5 is
	// reset by us before the response.
	for _, ev := range []*observe.FrameEvent{
		requestHeaders(true, 1, "/users.Users/CreateUser"),
		dataEv(true, 1, true, req),
		headersEv(false, 1, 0, ":status", "200"),
		headersEv(false, 1, http2.FlagHeadersEndStream, "grpc-status", "0"),
		requestHeaders(true, 3, "/users.Users/CreateUser"),
		{Header: header(http2.FrameRSTStream, 0, 3, 4), ErrCode: http2.ErrCodeRefusedStream},
		requestHeaders(true, 5, "/users.Users/CreateUser"),
		dataEv(true, 5, false, req[:3]),
		{Sent: true, Header: header(http2.FrameRSTStream, 0, 5, 4), ErrCode: http2.ErrCodeCancel},
	} {
		c.ObserveFrame(ev)
	}
	if n := c.Tracked(); n != 0 {
		t.Errorf("after every stream ended, the trace still follows %d streams, want 0", n)
	}
	c.ObserveFrame(requestHeaders(true, 7, "/users.Users/CreateUser"))
	if n := c.Tracked(); n != 1 {
		t.Errorf("with one stream open, the trace follows %d streams, want 1", n)
	}
}

// TestStreamLimit checks that at most DefaultMaxStreams streams of a
// connection are followed: the next one is shown without its messages, and
// a stream that ends makes room.
func TestStreamLimit(t *testing.T) {
	var buf bytes.Buffer
	c := trace.New(&buf, trace.OmitTimes()).Conn(trace.Client, "a", "b", time.Now())
	for i := range trace.DefaultMaxStreams {
		c.ObserveFrame(requestHeaders(true, uint32(2*i+1), "/users.Users/CreateUser"))
	}
	if n := c.Tracked(); n != trace.DefaultMaxStreams {
		t.Fatalf("following %d streams, want %d", n, trace.DefaultMaxStreams)
	}
	over := uint32(2*trace.DefaultMaxStreams + 1)
	req := lpm(t, 0, marshal(t, tomReq))
	buf.Reset()
	c.ObserveFrame(requestHeaders(true, over, "/users.Users/CreateUser"))
	c.ObserveFrame(dataEv(true, over, false, req))
	if want := "(messages not decoded: the trace follows at most 100 streams of a connection at once)\n"; !strings.Contains(buf.String(), want) {
		t.Errorf("stream over the limit:\n%s\nwant it to say %q", buf.String(), want)
	}
	if n := c.Tracked(); n != trace.DefaultMaxStreams {
		t.Errorf("following %d streams, want still %d", n, trace.DefaultMaxStreams)
	}
	// Stream 1 is reset: a new stream is followed again.
	c.ObserveFrame(&observe.FrameEvent{Header: header(http2.FrameRSTStream, 0, 1, 4), ErrCode: http2.ErrCodeCancel})
	next := over + 2
	buf.Reset()
	c.ObserveFrame(requestHeaders(true, next, "/users.Users/CreateUser"))
	c.ObserveFrame(dataEv(true, next, false, req))
	if want := "users.CreateUserRequest\n        username: \"tom\"\n"; !strings.Contains(buf.String(), want) {
		t.Errorf("stream after one ended:\n%s\nwant its message decoded", buf.String())
	}
}

// TestConcurrentObservers has the reader and writer goroutines of two
// connections observe frames at the same time, as the engine does: every
// frame must come out whole, its detail right under its line, and all of
// them must be there.
func TestConcurrentObservers(t *testing.T) {
	var buf bytes.Buffer
	tr := trace.New(&buf, trace.OmitTimes())
	const perGoroutine = 200
	res := lpm(t, 0, marshal(t, alexa))
	var wg sync.WaitGroup
	for conn := range 2 {
		c := tr.Conn(trace.Client, "a", "b", time.Now())
		for _, sent := range []bool{true, false} {
			wg.Go(func() {
				for i := range perGoroutine {
					// Each goroutine uses streams of its own, so that the
					// two directions of one stream do not race in the test's
					// expectations (the engine never does that either).
					id := uint32(4*i + 1)
					if !sent {
						id += 2
					}
					c.ObserveFrame(requestHeaders(sent, id, "/users.Users/GetUsers", "conn", fmt.Sprint(conn)))
					c.ObserveFrame(dataEv(sent, id, false, res))
					c.ObserveFrame(&observe.FrameEvent{Sent: sent, Header: header(http2.FrameRSTStream, 0, id, 4), ErrCode: http2.ErrCodeCancel})
				}
			})
		}
	}
	wg.Wait()
	frames := tracetest.Parse(buf.String())
	if want := 2 + 2*2*3*perGoroutine; len(frames) != want {
		t.Fatalf("parsed %d frames and connection lines, want %d", len(frames), want)
	}
	for _, f := range frames {
		switch {
		case f.Open, f.Type == "RST_STREAM":
		case f.Type == "HEADERS":
			if !strings.Contains(f.Text, ":path = /users.Users/GetUsers\n") || strings.Count(f.Text, "\n") != 5 {
				t.Fatalf("HEADERS frame not whole:\n%s", f.Text)
			}
		case f.Type == "DATA":
			// Written frames carry requests (GetUsersRequest), read ones
			// responses (GetUsersResult); the bytes read as either.
			if !strings.HasSuffix(f.Text, " users.GetUsersRequest\n        user {\n          username: \"alexa\"\n          user_id: 1\n        }\n") &&
				!strings.HasSuffix(f.Text, " users.GetUsersResult\n        user {\n          username: \"alexa\"\n          user_id: 1\n        }\n") {
				t.Fatalf("DATA frame not whole:\n%s", f.Text)
			}
		default:
			t.Fatalf("unexpected frame:\n%s", f.Text)
		}
	}
}

// TestConnectionNumbers checks the first line of each connection: its
// number, the two ends named from the client's point of view whichever side
// traces, and the side.
func TestConnectionNumbers(t *testing.T) {
	var buf bytes.Buffer
	tr := trace.New(&buf, trace.OmitTimes())
	tr.Conn(trace.Server, "127.0.0.1:50051", "127.0.0.1:40000", time.Now())
	tr.Conn(trace.Client, "127.0.0.1:40001", "127.0.0.1:50051", time.Now())
	want := "" +
		"c1 connection: client 127.0.0.1:40000, server 127.0.0.1:50051, traced at the server\n" +
		"c2 connection: client 127.0.0.1:40001, server 127.0.0.1:50051, traced at the client\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestTimes checks the elapsed time that starts every line unless omitted,
// and that detail lines are indented under the frame type.
func TestTimes(t *testing.T) {
	var buf bytes.Buffer
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := trace.New(&buf).Conn(trace.Client, "a", "b", start)
	buf.Reset()
	c.ObserveFrame(&observe.FrameEvent{Time: start.Add(412 * time.Microsecond), Sent: true,
		Header: header(http2.FrameSettings, 0, 0, 6), Settings: []http2.Setting{{ID: http2.SettingEnablePush, Val: 0}}})
	c.ObserveFrame(&observe.FrameEvent{Time: start.Add(12*time.Second + time.Millisecond), Header: header(http2.FrameSettings, http2.FlagSettingsAck, 0, 0)})
	want := "" +
		"+0.000412s  c1 -> SETTINGS      stream=0 len=6\n" +
		"                  ENABLE_PUSH = 0\n" +
		"+12.001000s  c1 <- SETTINGS      stream=0 flags=ACK len=0\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

// TestWriteErrorsIgnored checks that a failing writer does not stop the
// trace (or the connection) from going on.
func TestWriteErrorsIgnored(t *testing.T) {
	c := trace.New(failingWriter{}).Conn(trace.Client, "a", "b", time.Now())
	c.ObserveFrame(requestHeaders(true, 1, "/users.Users/CreateUser"))
	c.ObserveFrame(dataEv(true, 1, true, lpm(t, 0, marshal(t, tomReq))))
}
