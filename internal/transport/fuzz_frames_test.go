package transport

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// frames builds a byte stream of frames with a real Framer, for seeds.
func frames(f func(fr *http2.Framer, enc *hpack.Encoder, hbuf *bytes.Buffer)) []byte {
	var out bytes.Buffer
	fr := http2.NewFramer(&out, nil)
	fr.AllowIllegalWrites = true
	var hbuf bytes.Buffer
	enc := hpack.NewEncoder(&hbuf)
	f(fr, enc, &hbuf)
	return out.Bytes()
}

func fuzzHeaders(enc *hpack.Encoder, hbuf *bytes.Buffer, kv ...string) []byte {
	hbuf.Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return append([]byte(nil), hbuf.Bytes()...)
}

// FuzzServerFrames feeds a server connection arbitrary bytes after the
// client preface, on an in-memory connection: whatever arrives, the engine
// must not panic, must end the connection or keep serving within a bound,
// and must let every goroutine it started go. Seeds are a normal request,
// and the frame sequences the protocol-violation tests use.
func FuzzServerFrames(f *testing.F) {
	req := []string{":method", "POST", ":scheme", "http", ":path", "/a.B/C", ":authority", "x", "content-type", "application/grpc", "te", "trailers"}
	f.Add(frames(func(fr *http2.Framer, enc *hpack.Encoder, hbuf *bytes.Buffer) {
		fr.WriteSettings()
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: fuzzHeaders(enc, hbuf, req...), EndHeaders: true})
		fr.WriteData(1, true, []byte{0, 0, 0, 0, 2, 8, 1})
		fr.WritePing(false, [8]byte{1})
		fr.WriteWindowUpdate(0, 1000)
		fr.WriteRSTStream(1, http2.ErrCodeCancel)
		fr.WriteGoAway(1, http2.ErrCodeNo, nil)
	}))
	f.Add(frames(func(fr *http2.Framer, enc *hpack.Encoder, hbuf *bytes.Buffer) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1})
		block := fuzzHeaders(enc, hbuf, req...)
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block[:3]})
		fr.WriteContinuation(1, false, block[3:5])
		fr.WriteContinuation(1, true, block[5:])
		fr.WriteDataPadded(1, false, []byte("abc"), make([]byte, 10))
		fr.WriteData(3, false, nil)
		fr.WritePriority(5, http2.PriorityParam{StreamDep: 5})
	}))
	f.Add(frames(func(fr *http2.Framer, enc *hpack.Encoder, hbuf *bytes.Buffer) {
		fr.WriteSettings()
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: fuzzHeaders(enc, hbuf, req...), EndHeaders: true, Priority: http2.PriorityParam{StreamDep: 3, Weight: 7}})
		fr.WriteRawFrame(http2.FrameHeaders, http2.FlagHeadersPadded|http2.FlagHeadersEndHeaders, 3, []byte{200, 1, 2})
		fr.WriteRawFrame(http2.FrameData, http2.FlagDataPadded, 1, []byte{9, 1})
		fr.WriteRawFrame(0x0b, 0, 0, []byte("unknown frame type"))
	}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		cli, srv := net.Pipe()
		var handlers sync.WaitGroup
		c := NewServerConn(srv, Config{
			MaxConcurrentStreams: 4,
			MaxHeaderListSize:    4096,
			HandshakeTimeout:     time.Second,
			OnStream: func(s *Stream) {
				handlers.Add(1)
				go func() {
					defer handlers.Done()
					defer s.Release()
					io.Copy(io.Discard, io.LimitReader(s, 1<<20))
					s.WriteResponse([]hpack.HeaderField{{Name: ":status", Value: "200"}}, []byte("ok"), nil, []hpack.HeaderField{{Name: "grpc-status", Value: "0"}})
				}()
			},
		})
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			io.Copy(io.Discard, cli)
		}()
		ran := make(chan error, 1)
		go func() { ran <- c.Run() }()
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			cli.Write([]byte(http2.ClientPreface))
			cli.Write(data)
		}()
		// Once the engine has read everything (the pipe's Write returns only
		// then) or has ended the connection, the client goes away; the engine
		// must then end within a bound.
		var runErr chan error = ran
		select {
		case <-wrote:
		case err := <-ran:
			runErr = make(chan error, 1)
			runErr <- err
		}
		cli.Close()
		select {
		case <-runErr:
		case <-time.After(5 * time.Second):
			t.Fatalf("the connection did not end within 5s of the client closing")
		}
		<-wrote
		<-drained
		handlers.Wait()
	})
}

// FuzzClientFrames is FuzzServerFrames for the client side: a client
// connection with one call open reads arbitrary frames from its "server".
func FuzzClientFrames(f *testing.F) {
	f.Add(frames(func(fr *http2.Framer, enc *hpack.Encoder, hbuf *bytes.Buffer) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 10})
		fr.WriteSettingsAck()
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: fuzzHeaders(enc, hbuf, ":status", "200", "content-type", "application/grpc"), EndHeaders: true})
		fr.WriteData(1, false, []byte{0, 0, 0, 0, 2, 8, 1})
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: fuzzHeaders(enc, hbuf, "grpc-status", "0"), EndHeaders: true, EndStream: true})
		fr.WriteRSTStream(1, http2.ErrCodeNo)
		fr.WritePing(false, [8]byte{2})
		fr.WriteGoAway(1, http2.ErrCodeNo, []byte("bye"))
	}))
	f.Add(frames(func(fr *http2.Framer, enc *hpack.Encoder, hbuf *bytes.Buffer) {
		fr.WriteSettings()
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: fuzzHeaders(enc, hbuf, ":status", "100"), EndHeaders: true})
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: fuzzHeaders(enc, hbuf, ":status", "503", "content-type", "text/html"), EndHeaders: true})
		fr.WriteData(1, true, []byte("<html>"))
		fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, EndHeaders: true})
		fr.WriteWindowUpdate(1, 0x7fffffff)
	}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		cli, srv := net.Pipe()
		c := NewClientConn(cli, Config{MaxHeaderListSize: 4096})
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			io.Copy(io.Discard, srv)
		}()
		ran := make(chan error, 1)
		go func() { ran <- c.Run() }()
		s, err := c.OpenStream(requestFields("/a.B/C"), []byte{0, 0, 0, 0, 0}, nil, true)
		read := make(chan struct{})
		go func() {
			defer close(read)
			if err == nil {
				io.Copy(io.Discard, io.LimitReader(s, 1<<20))
			}
		}()
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			srv.Write(data)
		}()
		runErr := ran
		select {
		case <-wrote:
		case err := <-ran:
			runErr = make(chan error, 1)
			runErr <- err
		}
		srv.Close()
		select {
		case <-runErr:
		case <-time.After(5 * time.Second):
			t.Fatalf("the connection did not end within 5s of the server closing")
		}
		<-wrote
		<-drained
		select {
		case <-read:
		case <-time.After(5 * time.Second):
			t.Fatalf("the call's reader was not released when the connection ended")
		}
	})
}
