package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// pair starts a server and a client Conn over loopback TCP. handler runs in
// its own goroutine for each server stream.
func pair(t *testing.T, scfg, ccfg Config, handler func(*Stream)) (srv, cli *Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	snc := <-accepted
	scfg.OnStream = func(s *Stream) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.Release()
			handler(s)
		}()
	}
	srv = NewServerConn(snc, scfg)
	cli = NewClientConn(nc, ccfg)
	var runs sync.WaitGroup
	runs.Add(2)
	go func() { defer runs.Done(); srv.Run() }()
	go func() { defer runs.Done(); cli.Run() }()
	t.Cleanup(func() {
		cli.Close()
		srv.Close()
		runs.Wait()
		wg.Wait()
	})
	return srv, cli
}

func requestFields(path string) []hpack.HeaderField {
	return []hpack.HeaderField{
		{Name: ":method", Value: "POST"},
		{Name: ":scheme", Value: "http"},
		{Name: ":path", Value: path},
		{Name: ":authority", Value: "localhost"},
		{Name: "content-type", Value: "application/grpc"},
		{Name: "te", Value: "trailers"},
	}
}

var respHeaders = []hpack.HeaderField{{Name: ":status", Value: "200"}, {Name: "content-type", Value: "application/grpc"}}
var okTrailers = []hpack.HeaderField{{Name: "grpc-status", Value: "0"}}

// echo answers with everything it read.
func echo(s *Stream) {
	body, err := io.ReadAll(s)
	if err != nil {
		s.Cancel(http2.ErrCodeInternal)
		return
	}
	if err := s.WriteResponse(respHeaders, body, nil, okTrailers); err != nil {
		panic(err)
	}
}

func TestEchoSmall(t *testing.T) {
	_, cli := pair(t, Config{}, Config{}, echo)
	s, err := cli.OpenStream(requestFields("/echo"), []byte("hello"), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	<-s.HeaderDone()
	if got := headerValue(s.Header(), ":status"); got != "200" {
		t.Fatalf(":status %q", got)
	}
	body, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != "hello" {
		t.Fatalf("body %q", body)
	}
	if got := headerValue(s.Trailer(), "grpc-status"); got != "0" {
		t.Fatalf("trailer %v", s.Trailer())
	}
}

func TestEchoLargeBothWays(t *testing.T) {
	// 8 MiB each way, far over every window: flow control must move it
	// without deadlock.
	_, cli := pair(t, Config{}, Config{}, func(s *Stream) {
		// Stream the request back as it arrives.
		if err := s.WriteHeaders(respHeaders); err != nil {
			return
		}
		buf := make([]byte, 100000)
		for {
			n, err := s.Read(buf)
			if n > 0 {
				if werr := s.WriteData(bytes.Clone(buf[:n]), nil); werr != nil {
					return
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
		}
		s.WriteTrailers(okTrailers)
	})
	payload := make([]byte, 8<<20)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	s, err := cli.OpenStream(requestFields("/echo"), nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		for off := 0; off < len(payload); off += 300000 {
			end := min(off+300000, len(payload))
			if err := s.WriteData(payload[off:end], nil); err != nil {
				errc <- err
				return
			}
		}
		errc <- s.CloseSend()
	}()
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("echo mismatch: got %d bytes", len(got))
	}
}

func TestManyConcurrentStreams(t *testing.T) {
	_, cli := pair(t, Config{MaxConcurrentStreams: 10}, Config{}, echo)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := bytes.Repeat([]byte{byte(i)}, i*100)
			s, err := cli.OpenStream(requestFields("/echo"), msg, nil, true)
			if err != nil {
				errs <- err
				return
			}
			body, err := io.ReadAll(s)
			if err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(body, msg) {
				errs <- io.ErrShortBuffer
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCancelReachesServer: a client's cancel aborts the server's stream,
// and the abort func (a server call's context cancel) has run by the time
// the server's blocked Read returns the reset's error.
func TestCancelReachesServer(t *testing.T) {
	started, aborted := make(chan struct{}), make(chan struct{})
	readEnded := make(chan bool, 1) // whether the abort func had run
	_, cli := pair(t, Config{}, Config{}, func(s *Stream) {
		s.SetAbortFunc(func() { close(aborted) })
		close(started)
		io.ReadAll(s)
		select {
		case <-aborted:
			readEnded <- true
		default:
			readEnded <- false
		}
	})
	s, err := cli.OpenStream(requestFields("/wait"), []byte("x"), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	select { // the server has the stream
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the server never got the stream")
	}
	s.Cancel(http2.ErrCodeCancel)
	select {
	case <-aborted:
	case <-time.After(5 * time.Second):
		t.Fatal("server stream not aborted")
	}
	if _, err := s.Read(make([]byte, 1)); err != ErrStreamCanceled {
		t.Fatalf("client read after cancel: %v", err)
	}
	if !<-readEnded {
		t.Error("the server's Read returned the reset before its abort func ran")
	}
}

func TestPing(t *testing.T) {
	_, cli := pair(t, Config{}, Config{}, echo)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cli.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSmallFramesShareBuffers: a stream that receives a thousand 1-byte
// DATA frames holds them in one buffer (not a pooled buffer per frame), and
// reads them back in order.
func TestSmallFramesShareBuffers(t *testing.T) {
	const frames = 1000
	inspect := make(chan struct{})
	result := make(chan string, 1)
	_, cli := pair(t, Config{}, Config{}, func(s *Stream) {
		<-inspect
		s.mu.Lock()
		held := len(s.chunks) - s.chunkHead
		s.mu.Unlock()
		body, err := io.ReadAll(s)
		switch {
		case err != nil:
			result <- err.Error()
		case held > 1:
			result <- fmt.Sprintf("%d frames of 1 byte held in %d chunks", frames, held)
		case len(body) != frames:
			result <- fmt.Sprintf("read %d bytes of %d", len(body), frames)
		default:
			for i, b := range body {
				if b != byte(i) {
					result <- fmt.Sprintf("byte %d is %d", i, b)
					return
				}
			}
			result <- ""
		}
		s.WriteTrailersOnly(respHeaders)
	})
	s, err := cli.OpenStream(requestFields("/small"), nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		if err := s.WriteData([]byte{byte(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CloseSend(); err != nil {
		t.Fatal(err)
	}
	// The server reads frames in order: once it answers a PING sent after
	// them, every DATA frame has been delivered to the stream.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cli.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	close(inspect)
	if msg := <-result; msg != "" {
		t.Fatal(msg)
	}
	io.ReadAll(s)
}
