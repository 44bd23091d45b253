package transport

import (
	"bufio"
	"bytes"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
)

// maxFloodFrames bounds what a flooder writes: far more than any of the
// connection's allowances, so that a connection without the defence is not
// cut off and the test fails waiting for the GOAWAY instead of looping
// forever.
const maxFloodFrames = 200_000

// floodHeapBound is how much the heap may grow while a connection is
// flooded. The defences cut the flooder off after a few thousand frames at
// most; without them the answers queued for it and the state of its
// streams grow with every frame.
const floodHeapBound = 16 << 20

// requestBlock is an HPACK block of a request to path, from a fresh
// encoder: it refers to no dynamic table entry, so it may be sent any
// number of times.
func requestBlock(path string) []byte {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for _, f := range requestFields(path) {
		enc.WriteField(f)
	}
	return buf.Bytes()
}

// floods are the cheap frames a peer can send to make a connection work
// for nothing: each writes frames with fr until a write fails (the
// connection was closed) or maxFloodFrames; reason is what the connection
// must log and put in the GOAWAY.
var floods = []struct {
	name   string
	flood  func(fr *http2.Framer, n int) error
	reason string
}{
	{"PING", func(fr *http2.Framer, n int) error {
		// No ping policy is configured (a server's default one cuts the
		// third ping off as too_many_pings): the flood defence is what
		// acts.
		return fr.WritePing(false, [8]byte{byte(n), byte(n >> 8)})
	}, "PING frames"},
	{"SETTINGS", func(fr *http2.Framer, n int) error {
		return fr.WriteSettings()
	}, "SETTINGS frames"},
	{"rapid reset (CVE-2023-44487)", func(fr *http2.Framer, n int) error {
		id := uint32(2*n + 1)
		if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: requestBlock(echoPath), EndHeaders: true}); err != nil {
			return err
		}
		return fr.WriteRSTStream(id, http2.ErrCodeCancel)
	}, "rapid reset"},
	{"empty DATA (CVE-2019-9518)", func(fr *http2.Framer, n int) error {
		if n == 0 {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: requestBlock(echoPath), EndHeaders: true})
		}
		return fr.WriteData(1, false, nil)
	}, "empty DATA frames"},
	{"endless empty CONTINUATION (CVE-2024-27316)", func(fr *http2.Framer, n int) error {
		if n == 0 {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: requestBlock(echoPath)})
		}
		return fr.WriteContinuation(1, false, nil)
	}, "CONTINUATION frames"},
	{"endless large CONTINUATION", func(fr *http2.Framer, n int) error {
		// One literal header whose value never ends: the length prefix
		// promises 1 GiB, and every frame carries 16 KiB of it.
		if n == 0 {
			block := append(requestBlock(echoPath), 0x00, 0x03, 'x', '-', 'a', 0x7f, 0xff, 0xff, 0xff, 0xff, 0x03)
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block})
		}
		return fr.WriteContinuation(1, false, make([]byte, 16384))
	}, "header block of more than"},
}

// TestFloodsCutOff: a peer flooding a connection with cheap frames is cut
// off with GOAWAY(ENHANCE_YOUR_CALM) naming the flood, the reason is
// logged, and the heap does not grow with the flood. (That the server's
// other connections are served all along is pinned in
// server/conn_flood_test.go.)
func TestFloodsCutOff(t *testing.T) {
	for _, fl := range floods {
		t.Run(fl.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			var log testio.Buffer
			_, p := rawClient(t, Config{MaxConcurrentStreams: 100, Logger: log.Logger()}, newGate())
			p.Handshake()

			base := heapInuse()
			peak := atomic.Uint64{}
			peak.Store(base)
			sampling := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-sampling:
						return
					case <-tick.C:
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						if h := ms.HeapInuse; h > peak.Load() {
							peak.Store(h)
						}
					}
				}
			}()

			// The flooder: the test reads on the Peer while another
			// goroutine writes as fast as it can.
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
			close(sampling)
			if ga.ErrCode != http2.ErrCodeEnhanceYourCalm || !strings.Contains(string(ga.DebugData()), fl.reason) {
				t.Errorf("GOAWAY(%v, %q), want ENHANCE_YOUR_CALM naming %q", ga.ErrCode, ga.DebugData(), fl.reason)
			}
			line := log.WaitFor(t, "closing connection", fl.reason)
			p.Close()
			wg.Wait()
			t.Logf("cut off after %d frames written (heap %d KiB +%d KiB): %s",
				written.Load(), base>>10, (int64(peak.Load())-int64(base))>>10, line)
			if grew := int64(peak.Load()) - int64(base); grew > floodHeapBound {
				t.Errorf("the heap grew by %d MiB during the flood; want at most %d MiB", grew>>20, floodHeapBound>>20)
			}
		})
	}
}

// readUntilGoAway reads the flooder's connection until GOAWAY, passing over
// the answers to the flood.
func readUntilGoAway(t *testing.T, p *h2test.Peer) *http2.GoAwayFrame {
	t.Helper()
	for {
		switch f := p.ReadFrame().(type) {
		case *http2.GoAwayFrame:
			return f
		case nil:
			t.Fatal("the connection failed before its GOAWAY")
		}
	}
}

// heapInuse is the heap in use after a collection: the baseline the
// samples taken during the flood (without collections, so garbage counts
// too) are compared with.
func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
