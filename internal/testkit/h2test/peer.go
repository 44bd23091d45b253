package h2test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Peer is one end of an HTTP/2 connection driven by a test: the test decides
// every frame it writes and checks every frame it reads.
//
// Ownership: reading state (the pending and skipped queues, the HPACK
// decoder, the read side of Fr) belongs to the one goroutine that reads;
// writing state (the HPACK encoder, the write side of Fr) is guarded by wmu;
// the frame log and settings handed from writers to the reader are guarded
// by mu.
type Peer struct {
	// T receives every failure. It is exported so that a test can swap in a
	// wrapper, for example to check that a scripted mistake is reported.
	T testing.TB
	// Conn is the connection the Peer speaks on. Writing to it directly
	// bypasses the frame log; closing it is how a test hangs up.
	Conn net.Conn
	// Fr is the Peer's framer. AllowIllegalWrites is set so that tests can
	// send protocol violations; use it directly for frames the Write helpers
	// do not cover.
	Fr *http2.Framer

	rec  *recordingReader
	sent *sentLog

	// Read side, owned by the reading goroutine.
	dec     *hpack.Decoder
	readErr error         // set once the connection can no longer be read in step
	pending []http2.Frame // read ahead by Handshake, returned first
	skipped []http2.Frame // skipped by Expect*, oldest first
	partial map[uint32][]byte

	// Write side, guarded by wmu.
	wmu          sync.Mutex
	enc          *hpack.Encoder
	encBuf       bytes.Buffer
	peerMaxFrame uint32

	// Shared between reader and writers, guarded by mu.
	mu          sync.Mutex
	timeout     time.Duration
	strict      bool
	log         []string // ring of the last frameLogSize frames
	logNext     int
	logTotal    int
	ownSettings []http2.Setting // written by us, applied by the reader on its next read
}

// NewClient wraps conn as the client side of an HTTP/2 connection: it writes
// the client connection preface (RFC 9113 §3.4) and an initial SETTINGS frame
// with the given settings. It does not wait for anything, so over a
// synchronous net.Pipe the other side must already be reading (see SyncPipe).
func NewClient(t testing.TB, conn net.Conn, settings ...http2.Setting) *Peer {
	t.Helper()
	p := newPeer(t, conn)
	p.Conn.SetWriteDeadline(time.Now().Add(p.Timeout()))
	if _, err := io.WriteString(p.Conn, http2.ClientPreface); err != nil {
		p.fatalf("writing the client connection preface: %v", err)
		return p
	}
	p.logf("→ client preface")
	p.WriteSettings(settings...)
	return p
}

// NewServer wraps conn as the server side of an HTTP/2 connection: it reads
// the client connection preface, failing the test with a diagnosis if the
// client sent something else (HTTP/1.1, TLS, a corrupted preface), and then
// writes an initial SETTINGS frame with the given settings (RFC 9113 §3.4).
func NewServer(t testing.TB, conn net.Conn, settings ...http2.Setting) *Peer {
	t.Helper()
	p := newPeer(t, conn)
	if !p.readPreface() {
		return p
	}
	p.WriteSettings(settings...)
	return p
}

func newPeer(t testing.TB, conn net.Conn) *Peer {
	p := &Peer{
		T:            t,
		Conn:         conn,
		timeout:      DefaultTimeout,
		peerMaxFrame: initialMaxFrameSize,
		partial:      map[uint32][]byte{},
		dec:          hpack.NewDecoder(initialHeaderTableSize, nil),
	}
	p.rec = &recordingReader{r: conn}
	p.sent = newSentLog(p)
	p.Fr = http2.NewFramer(p.sent, p.rec)
	p.Fr.AllowIllegalWrites = true
	p.Fr.SetMaxReadFrameSize(initialMaxFrameSize)
	p.enc = hpack.NewEncoder(&p.encBuf)
	return p
}

// readPreface reads the 24-octet client preface byte by byte as it arrives,
// so that a client speaking something else is diagnosed as soon as its bytes
// diverge rather than after the timeout (an HTTP/1.1 request may be shorter
// than the preface and then wait for an answer).
func (p *Peer) readPreface() bool {
	p.T.Helper()
	want := []byte(http2.ClientPreface)
	got := make([]byte, 0, len(want))
	buf := make([]byte, len(want))
	p.Conn.SetReadDeadline(time.Now().Add(p.Timeout()))
	defer p.Conn.SetReadDeadline(time.Time{})
	for len(got) < len(want) {
		n, err := p.Conn.Read(buf[:len(want)-len(got)])
		got = append(got, buf[:n]...)
		if !bytes.HasPrefix(want, got) {
			p.fatalf("%s", prefaceMismatch(got))
			return false
		}
		if err != nil && len(got) < len(want) {
			if isTimeout(err) {
				p.fatalf("timed out after %v waiting for the client connection preface; got %d of %d bytes: %q",
					p.Timeout(), len(got), len(want), got)
			} else {
				p.fatalf("reading the client connection preface after %d of %d bytes (%q): %v", len(got), len(want), got, err)
			}
			return false
		}
	}
	p.logf("← client preface")
	return true
}

// prefaceMismatch explains, as precisely as the bytes allow, why a client's
// first bytes are not the HTTP/2 connection preface.
func prefaceMismatch(got []byte) string {
	s := string(got)
	for _, m := range []string{"GET ", "POST ", "PUT ", "HEAD ", "OPTIONS ", "DELETE ", "PATCH ", "CONNECT ", "TRACE "} {
		if strings.HasPrefix(s, m) || strings.HasPrefix(m, s) {
			line, _, _ := strings.Cut(s, "\r\n")
			return fmt.Sprintf("the client spoke HTTP/1.1 (%q), not HTTP/2 with prior knowledge: it must start with the connection preface %q (RFC 9113 §3.4)",
				line, http2.ClientPreface)
		}
	}
	if len(got) > 0 && got[0] == 0x16 {
		return "the client started a TLS handshake (first byte 0x16), but this Peer speaks cleartext HTTP/2: wrap the connection with tls.Server before NewServer"
	}
	return fmt.Sprintf("the client did not send the HTTP/2 connection preface %q (RFC 9113 §3.4); it sent %q", http2.ClientPreface, got)
}

// SetTimeout sets how long each read and write may take before it fails the
// test (DefaultTimeout until changed). A test that expects a failure, or
// that scripts the other side's timeouts, shortens it to fail fast.
func (p *Peer) SetTimeout(d time.Duration) {
	p.T.Helper()
	if d <= 0 {
		p.fatalf("SetTimeout(%v): the timeout must be positive, otherwise every read fails at once", d)
		return
	}
	p.mu.Lock()
	p.timeout = d
	p.mu.Unlock()
}

// Timeout reports the per-read and per-write timeout in force.
func (p *Peer) Timeout() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.timeout
}

// Strict(true) turns skipping off and Strict(false) turns it back on. By
// default the Expect helpers skip WINDOW_UPDATE, PING ACK and SETTINGS ACK
// frames, because flow control and acknowledgements arrive at times a test
// rarely cares about; a test that pins them turns strict mode on and expects
// every frame.
func (p *Peer) Strict(on bool) {
	p.mu.Lock()
	p.strict = on
	p.mu.Unlock()
}

func (p *Peer) isStrict() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.strict
}

// Skipped returns the frames the Expect helpers and Handshake skipped so far,
// oldest first, so that a test can still check, say, the WINDOW_UPDATEs it
// did not wait for.
func (p *Peer) Skipped() []http2.Frame {
	return append([]http2.Frame(nil), p.skipped...)
}

// Close closes the connection. It is the same as p.Conn.Close and exists so
// that a test reads as the conversation it scripts.
func (p *Peer) Close() {
	p.logf("→ close")
	p.Conn.Close()
}

// fatalf fails the test with msg and the recent frame log. Callers return
// right after it, so that a testing.TB whose Fatalf does not stop the
// goroutine still leaves the Peer in a sane state.
func (p *Peer) fatalf(format string, args ...any) {
	p.T.Helper()
	p.T.Fatalf("h2test: %s\n%s", fmt.Sprintf(format, args...), p.FrameLog())
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
