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

// Benchmarks of the connection engine's hot paths: HPACK encoding through
// the writer, decoding through the reader, and one request/response stream
// over loopback TCP. The side-by-side comparison with grpc-go lives in
// conformance/bench.
//
//	go test -run '^$' -bench . -benchmem ./internal/transport

// benchRequestFields is a typical gRPC request header block.
var benchRequestFields = []hpack.HeaderField{
	{Name: ":method", Value: "POST"},
	{Name: ":scheme", Value: "http"},
	{Name: ":path", Value: "/grpcwire.bench.Bench/Unary"},
	{Name: ":authority", Value: "127.0.0.1:50051"},
	{Name: "content-type", Value: "application/grpc"},
	{Name: "te", Value: "trailers"},
	{Name: "user-agent", Value: "grpc-go-grpcwire/0.1.0"},
	{Name: "grpc-accept-encoding", Value: "gzip"},
	{Name: "grpc-timeout", Value: "999996u"},
	{Name: "authorization", Value: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl"},
}

// benchSink is a net.Conn that keeps nothing, or, with keep, everything
// written to it.
type benchSink struct {
	keep bool
	buf  bytes.Buffer
}

func (s *benchSink) Write(p []byte) (int, error) {
	if s.keep {
		s.buf.Write(p)
	}
	return len(p), nil
}
func (s *benchSink) Read([]byte) (int, error)         { return 0, io.EOF }
func (s *benchSink) Close() error                     { return nil }
func (s *benchSink) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (s *benchSink) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (s *benchSink) SetDeadline(time.Time) error      { return nil }
func (s *benchSink) SetReadDeadline(time.Time) error  { return nil }
func (s *benchSink) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkWriteHeaders HPACK-encodes a request's headers into a HEADERS
// frame with the writer's encoder and flushes it, in the steady state of a
// connection whose dynamic table already holds the repeated fields.
func BenchmarkWriteHeaders(b *testing.B) {
	c := newConn(&benchSink{}, Config{}, false)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.w.writeHeaders(1, benchRequestFields, false); err != nil {
			b.Fatal(err)
		}
		if err := c.w.bw.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadHeaderBlock decodes that HEADERS frame with the reader's
// decoder and checks, as the reader does for every block; the first block
// of the connection, which fills the dynamic table, is decoded once before.
func BenchmarkReadHeaderBlock(b *testing.B) {
	sink := &benchSink{keep: true}
	enc := newConn(sink, Config{}, false)
	var frames [2][]byte
	for i := range frames {
		sink.buf.Reset()
		if err := enc.w.writeHeaders(1, benchRequestFields, false); err != nil {
			b.Fatal(err)
		}
		if err := enc.w.bw.Flush(); err != nil {
			b.Fatal(err)
		}
		frames[i] = bytes.Clone(sink.buf.Bytes())
	}
	if len(frames[1]) >= len(frames[0]) {
		b.Fatalf("steady-state block of %d bytes, first %d: the dynamic table is not used", len(frames[1]), len(frames[0]))
	}
	dec := newConn(&benchSink{}, Config{}, true)
	var blk headerBlock
	read := func(frame []byte) *headerBlock {
		// The writer sets neither padding nor priority: the payload after
		// the 9-byte frame header is the whole block.
		blk = headerBlock{FrameHeader: http2.FrameHeader{Type: http2.FrameHeaders, Flags: http2.FlagHeadersEndHeaders, StreamID: 1, Length: uint32(len(frame) - 9)}}
		if err := dec.readHeaderBlock(&blk, frame[9:], true); err != nil {
			b.Fatal(err)
		}
		return &blk
	}
	if got := read(frames[0]); len(got.fields) != len(benchRequestFields) {
		b.Fatalf("decoded %d fields, want %d", len(got.fields), len(benchRequestFields))
	}
	b.SetBytes(int64(len(frames[1])))
	b.ReportAllocs()
	for b.Loop() {
		if blk := read(frames[1]); len(blk.fields) != len(benchRequestFields) {
			b.Fatalf("decoded %d fields, want %d", len(blk.fields), len(benchRequestFields))
		}
	}
}

// benchTCPPair starts a server and a client Conn over loopback TCP; the
// server answers each stream with handler, in a goroutine of its own.
func benchTCPPair(b *testing.B, handler func(*Stream)) *Conn {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	snc := <-accepted
	if snc == nil {
		b.Fatal("accept failed")
	}
	var handlers, runs sync.WaitGroup
	srv := NewServerConn(snc, Config{OnStream: func(s *Stream) {
		handlers.Go(func() {
			defer s.Release()
			handler(s)
		})
	}})
	cli := NewClientConn(nc, Config{})
	runs.Go(func() { srv.Run() })
	runs.Go(func() { cli.Run() })
	b.Cleanup(func() {
		cli.Close()
		srv.Close()
		runs.Wait()
		handlers.Wait()
	})
	return cli
}

// BenchmarkStreamRoundTrip is one unary-shaped exchange on the bare
// transport, without gRPC's framing or protobuf: request headers and a 100
// byte body with END_STREAM, then response headers, the body back and
// trailers.
func BenchmarkStreamRoundTrip(b *testing.B) {
	respHdr := []hpack.HeaderField{{Name: ":status", Value: "200"}, {Name: "content-type", Value: "application/grpc"}}
	trailers := []hpack.HeaderField{{Name: "grpc-status", Value: "0"}}
	cli := benchTCPPair(b, func(s *Stream) {
		body, err := io.ReadAll(s)
		if err != nil {
			s.Cancel(http2.ErrCodeInternal)
			return
		}
		s.WriteResponse(respHdr, body, nil, trailers)
	})
	req := make([]byte, 100)
	buf := make([]byte, 512)
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := cli.OpenStream(benchRequestFields, req, nil, true)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			k, err := s.Read(buf[n:])
			n += k
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if n != len(req) || len(s.Trailer()) == 0 {
			b.Fatalf("%d bytes back and trailers %v; want %d and grpc-status", n, s.Trailer(), len(req))
		}
		s.Release()
	}
}
