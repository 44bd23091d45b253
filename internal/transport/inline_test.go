package transport

import (
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// writerSpy is an Observer that records, for every frame written, whether
// the writer goroutine wrote it or another goroutine wrote it inline.
type writerSpy struct {
	mu     sync.Mutex
	inline map[http2.FrameType]int
	queued map[http2.FrameType]int
	// byWriteData counts the DATA frames written inline by a WriteData
	// call (rather than by a call that ended the stream).
	byWriteData int
}

func newWriterSpy() *writerSpy {
	return &writerSpy{inline: map[http2.FrameType]int{}, queued: map[http2.FrameType]int{}}
}

func (w *writerSpy) ObserveFrame(ev *observe.FrameEvent) {
	if !ev.Sent {
		return
	}
	buf := make([]byte, 8<<10)
	stack := string(buf[:runtime.Stack(buf, false)])
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case strings.Contains(stack, "(*writer).loop"):
		w.queued[ev.Header.Type]++
	case strings.Contains(stack, "writeInline"):
		w.inline[ev.Header.Type]++
		if ev.Header.Type == http2.FrameData && strings.Contains(stack, "(*Stream).WriteData") {
			w.byWriteData++
		}
	default:
		panic("a frame written by neither the writer goroutine nor an inline writer:\n" + stack)
	}
}

func (w *writerSpy) counts(t http2.FrameType) (inline, queued int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.inline[t], w.queued[t]
}

// TestInlineWrites: on a connection with one call at a time, a unary call's
// request (client) and response (server) are written by the goroutines that
// make them, and the observer is told of every frame all the same.
func TestInlineWrites(t *testing.T) {
	srvSpy, cliSpy := newWriterSpy(), newWriterSpy()
	_, cli := pair(t, Config{Observer: srvSpy}, Config{Observer: cliSpy}, func(s *Stream) {
		body, err := io.ReadAll(s)
		if err != nil {
			return
		}
		s.WriteResponse(respHeaders, body, nil, okTrailers)
	})
	<-cli.Settled()
	const calls = 20
	for i := range calls {
		s, err := cli.OpenStream(requestFields("/echo"), []byte("ping"), nil, true)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(s)
		if err != nil || string(body) != "ping" {
			t.Fatalf("call %d: %q, %v", i, body, err)
		}
		s.Release()
	}
	// The first call may race the writer goroutine's preface, and any call
	// may find the writer goroutine busy with a frame of its own (a
	// WINDOW_UPDATE, a SETTINGS ACK), more often under -race on a loaded
	// machine; without inline writes none would be inline.
	const want = calls / 2
	if in, q := cliSpy.counts(http2.FrameHeaders); in < want {
		t.Errorf("client: %d request HEADERS written inline, %d by the writer goroutine; want at least %d inline", in, q, want)
	}
	if in, q := srvSpy.counts(http2.FrameData); in < want {
		t.Errorf("server: %d response DATA frames written inline, %d by the writer goroutine; want at least %d inline", in, q, want)
	}
}

// TestNoInlineWritesWhenBusy: with other streams open, calls leave their
// frames to the writer goroutine, whose batches carry many calls' frames
// in one writev; and a stream that sends many messages in a row writes at
// most its first inline (its last write, ending the stream, may then
// write inline whatever is still queued, in one batch).
func TestNoInlineWritesWhenBusy(t *testing.T) {
	srvSpy := newWriterSpy()
	hold := make(chan struct{})
	_, cli := pair(t, Config{Observer: srvSpy}, Config{}, func(s *Stream) {
		switch headerValue(s.Header(), ":path") {
		case "/hold":
			<-hold
			s.WriteTrailersOnly(respHeaders)
		case "/many":
			io.ReadAll(s)
			s.WriteHeaders(respHeaders)
			for range 100 {
				if s.WriteData([]byte("message"), nil) != nil {
					return
				}
			}
			s.WriteTrailers(okTrailers)
		default:
			body, _ := io.ReadAll(s)
			s.WriteResponse(respHeaders, body, nil, okTrailers)
		}
	})
	<-cli.Settled()
	held, err := cli.OpenStream(requestFields("/hold"), nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		s, err := cli.OpenStream(requestFields("/echo"), []byte("x"), nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(s); err != nil {
			t.Fatal(err)
		}
		s.Release()
	}
	if in, _ := srvSpy.counts(http2.FrameData); in != 0 {
		t.Errorf("%d DATA frames written inline with another stream open", in)
	}
	close(hold)
	io.ReadAll(held)
	held.Release()

	s, err := cli.OpenStream(requestFields("/many"), nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(s); err != nil {
		t.Fatal(err)
	}
	s.Release()
	srvSpy.mu.Lock()
	defer srvSpy.mu.Unlock()
	if n := srvSpy.byWriteData; n > 1 {
		t.Errorf("a stream of 100 messages: %d of them written inline by their WriteData; want at most the first", n)
	}
}
