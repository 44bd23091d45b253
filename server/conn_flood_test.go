package server_test

import (
	"bufio"
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// maxFloodFrames bounds what a flooder writes: far more than any of the
// server's allowances, so that a server without the defence is not cut off
// and the test fails waiting for the GOAWAY instead of looping forever.
const maxFloodFrames = 200_000

// requestBlock is an HPACK block of a gRPC request to path, from a fresh
// encoder: it refers to no dynamic table entry, so it may be sent any
// number of times.
func requestBlock(path string) []byte {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for _, f := range [][2]string{
		{":method", "POST"}, {":scheme", "http"}, {":path", path}, {":authority", "localhost"},
		{"content-type", "application/grpc"}, {"te", "trailers"},
	} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	return buf.Bytes()
}

// floods are the cheap frames a peer can send to make a server work for
// nothing: each writes frames with fr until a write fails (the server has
// closed the connection) or maxFloodFrames. (What the engine answers each
// with, GOAWAY(ENHANCE_YOUR_CALM) naming it, a log line and a bounded heap,
// is pinned in internal/transport/floods_test.go; reason is kept here for
// the subtests' logs.)
var floods = []struct {
	name   string
	flood  func(fr *http2.Framer, n int) error
	reason string
	opts   []server.Option
}{
	{"PING", func(fr *http2.Framer, n int) error {
		return fr.WritePing(false, [8]byte{byte(n), byte(n >> 8)})
	}, "PING frames", []server.Option{
		// With the default ping policy the third ping is already cut off
		// as too_many_pings (TestPingPolicyEnforced); without it the flood
		// defence is what acts.
		server.KeepaliveEnforcementPolicy(server.KeepaliveEnforcement{}),
	}},
	{"SETTINGS", func(fr *http2.Framer, n int) error {
		return fr.WriteSettings()
	}, "SETTINGS frames", nil},
	{"rapid reset (CVE-2023-44487)", func(fr *http2.Framer, n int) error {
		id := uint32(2*n + 1)
		if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: requestBlock(testsvc.EchoPath), EndHeaders: true}); err != nil {
			return err
		}
		return fr.WriteRSTStream(id, http2.ErrCodeCancel)
	}, "rapid reset", nil},
	{"empty DATA (CVE-2019-9518)", func(fr *http2.Framer, n int) error {
		if n == 0 {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: requestBlock(testsvc.ChatPath), EndHeaders: true})
		}
		return fr.WriteData(1, false, nil)
	}, "empty DATA frames", nil},
	{"endless empty CONTINUATION (CVE-2024-27316)", func(fr *http2.Framer, n int) error {
		if n == 0 {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: requestBlock(testsvc.EchoPath)})
		}
		return fr.WriteContinuation(1, false, nil)
	}, "CONTINUATION frames", nil},
	{"endless large CONTINUATION", func(fr *http2.Framer, n int) error {
		// One literal header whose value never ends: the length prefix
		// promises 1 GiB, and every frame carries 16 KiB of it.
		if n == 0 {
			block := append(requestBlock(testsvc.EchoPath), 0x00, 0x03, 'x', '-', 'a', 0x7f, 0xff, 0xff, 0xff, 0xff, 0x03)
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block})
		}
		return fr.WriteContinuation(1, false, make([]byte, 16384))
	}, "header block of more than", nil},
}

// TestFloodsCutOff: while a peer floods one connection with cheap frames,
// until it is cut off, a client on another connection of the same server
// is served all along, and after.
func TestFloodsCutOff(t *testing.T) {
	for _, fl := range floods {
		t.Run(fl.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			_, addr := testsvc.Start(t, nil, append(fl.opts, server.MaxConcurrentStreams(100))...)

			// The well-behaved client, calling all through the flood.
			cc := testsvc.Dial(t, addr)
			if _, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.EchoPath, wrapperspb.String("warm up")); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			var calls, failed atomic.Int64
			var firstFailure atomic.Value
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
					_, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.EchoPath, wrapperspb.String("meanwhile"))
					cancel()
					calls.Add(1)
					if err != nil {
						failed.Add(1)
						firstFailure.CompareAndSwap(nil, err.Error())
					}
				}
			}()

			// The flooder: the test reads on the Peer while another
			// goroutine writes as fast as it can.
			p := testsvc.RawClient(t, addr)
			p.Handshake()
			callsBefore := calls.Load()
			var written atomic.Int64
			wg.Add(1)
			go func() {
				defer wg.Done()
				bw := bufio.NewWriterSize(p.Conn, 64<<10)
				fr := http2.NewFramer(bw, nil)
				fr.AllowIllegalWrites = true
				for n := range maxFloodFrames {
					if fl.flood(fr, n) != nil {
						return
					}
					written.Add(1)
					if n%64 == 63 && bw.Flush() != nil {
						return
					}
				}
				bw.Flush()
			}()
			ga := readUntilGoAway(t, p)
			callsDuring := calls.Load() - callsBefore
			t.Logf("%s: cut off after %d frames written with GOAWAY(%v, %q); %d calls on the other connection meanwhile",
				fl.reason, written.Load(), ga.ErrCode, ga.DebugData(), callsDuring)
			p.Close()

			// Served all along, and still served.
			close(stop)
			wg.Wait()
			if failed.Load() > 0 {
				t.Errorf("%d of %d calls on the other connection failed during the flood; the first: %v", failed.Load(), calls.Load(), firstFailure.Load())
			}
			if _, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.EchoPath, wrapperspb.String("after")); err != nil {
				t.Errorf("a call after the flood: %v", err)
			}
		})
	}
}

// readUntilGoAway reads the flooder's connection until GOAWAY, passing over
// the answers to the flood.
func readUntilGoAway(t *testing.T, p *h2test.Peer) *http2.GoAwayFrame {
	t.Helper()
	for {
		if ga, ok := p.ReadFrame().(*http2.GoAwayFrame); ok {
			return ga
		}
	}
}
