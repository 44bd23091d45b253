package trace_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/internal/testkit/golden"
	"grpcwire/observe"
	"grpcwire/trace"
)

// largeMessageEvents are the frames of a client sending one 70000-byte
// BytesValue in 16 KiB DATA frames, with a WINDOW_UPDATE read between two of
// its middle frames, and a second message after it.
func largeMessageEvents(t *testing.T) []*observe.FrameEvent {
	msg := lpm(t, 0, marshal(t, wrapperspb.Bytes(bytes.Repeat([]byte{'x'}, 69996))))
	small := lpm(t, 0, marshal(t, wrapperspb.Bytes([]byte("end"))))
	evs := []*observe.FrameEvent{requestHeaders(true, 1, "/grpcwire.testing.Test/Bulk")}
	var frames [][]byte
	for rest := msg; len(rest) > 0; {
		n := min(16384, len(rest))
		frames = append(frames, rest[:n])
		rest = rest[n:]
	}
	for i, f := range frames {
		evs = append(evs, dataEv(true, 1, false, f))
		if i == 2 {
			evs = append(evs, &observe.FrameEvent{Header: header(http2.FrameWindowUpdate, 0, 1, 4), Increment: 32768})
		}
	}
	return append(evs, dataEv(true, 1, true, small))
}

// TestSummarizeData: with SummarizeData, DATA frames in the middle of one
// message that follow each other are one line; the frame that starts the
// message, the one that ends it, a middle frame alone and every other frame
// are shown as without the option, and a WINDOW_UPDATE between middle
// frames splits the run.
func TestSummarizeData(t *testing.T) {
	evs := largeMessageEvents(t)
	got := frames(t, []trace.Option{trace.SummarizeData()}, evs...)
	want := `c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers
      :method = POST
      :path = /grpcwire.testing.Test/Bulk
      content-type = application/grpc
c1 -> DATA          stream=1 len=16384
      Length-Prefixed-Message Compressed-Flag=0 Message-Length=70000  # 16379 bytes here, the rest follows
c1 -> DATA          stream=1 len=16384 ×2  # 2 frames in the middle of the message: 49147 of its 70000 bytes so far
c1 <- WINDOW_UPDATE stream=1 len=4 increment=32768
c1 -> DATA          stream=1 len=16384
      ... 16384 more bytes of the message (65531 of 70000)
c1 -> DATA          stream=1 len=4469
      ... the last 4469 bytes of the message (70000 of 70000)
        (not decoded: service grpcwire.testing.Test is not in this program's protobuf registry)
c1 -> DATA          stream=1 flags=END_STREAM len=10  # EOS
      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5
        (not decoded: service grpcwire.testing.Test is not in this program's protobuf registry)
        its 5 bytes: 0a 03 65 6e 64
`
	if got != want {
		t.Errorf("summarised trace:\n%s\n%s", got, golden.FirstDiff(got, want))
	}
	// Without the option every frame is shown, and the messages are
	// reassembled the same.
	plain := frames(t, nil, evs...)
	if strings.Contains(plain, "×") || strings.Count(plain, "more bytes of the message") != 3 {
		t.Errorf("without SummarizeData:\n%s", plain)
	}
}

// TestSummarizeDataFlush: a run with no frame after it is printed by Flush,
// and by the next connection's first line.
func TestSummarizeDataFlush(t *testing.T) {
	evs := largeMessageEvents(t)[:3] // the headers, the first frame, one middle frame
	evs = append(evs, dataEv(true, 1, false, bytes.Repeat([]byte{'x'}, 16384)))
	var buf bytes.Buffer
	tr := trace.New(&buf, trace.OmitTimes(), trace.SummarizeData())
	c := tr.Conn(trace.Client, "127.0.0.1:1", "127.0.0.1:2", time.Now())
	for _, ev := range evs {
		c.ObserveFrame(ev)
	}
	if strings.Contains(buf.String(), "×2") {
		t.Fatalf("the run was printed before it ended:\n%s", buf.String())
	}
	tr.Flush()
	if !strings.HasSuffix(buf.String(), "c1 -> DATA          stream=1 len=16384 ×2  # 2 frames in the middle of the message: 49147 of its 70000 bytes so far\n") {
		t.Errorf("after Flush:\n%s", buf.String())
	}
	c.ObserveFrame(dataEv(true, 1, false, bytes.Repeat([]byte{'x'}, 100)))
	tr.Conn(trace.Client, "127.0.0.1:3", "127.0.0.1:2", time.Now())
	if !strings.Contains(buf.String(), "... 100 more bytes of the message (49247 of 70000)\nc2 connection") {
		t.Errorf("a new connection does not print the pending frame first:\n%s", buf.String())
	}
}
