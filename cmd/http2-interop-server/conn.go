package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// The connection's bounds and what it advertises.
const (
	// maxDataFrame is the largest DATA frame sent: HTTP/2's smallest
	// SETTINGS_MAX_FRAME_SIZE, which every client accepts, as the Python
	// server does ("this test should never send more than 16384").
	maxDataFrame = 16384
	// initialWindow is HTTP/2's initial flow-control window (RFC 9113
	// §6.9.2); the server keeps its own at that and returns what it reads.
	initialWindow = 65535
	// maxConcurrentStreams is what the server's first SETTINGS allows, as
	// the Python server's h2 library does.
	maxConcurrentStreams = 100
	// maxRequest bounds one stream's request bytes: the cases send 271,828.
	maxRequest = 16 << 20
	// prefaceTimeout bounds the wait for the client's connection preface.
	prefaceTimeout = 10 * time.Second
	// writeTimeout bounds one flush to a client that stopped reading.
	writeTimeout = 30 * time.Second
)

// server is the listener's state, shared by its connections.
type server struct {
	tc  *testCase
	out io.Writer

	mu    sync.Mutex // guards what follows, and out
	conns int        // connections accepted so far
	open  map[*conn]struct{}
	// goAwayConns are the connections that sent GOAWAY (the goaway case).
	goAwayConns map[int]bool
}

func newServer(tc *testCase, out io.Writer) *server {
	return &server{tc: tc, out: out, open: map[*conn]struct{}{}, goAwayConns: map[int]bool{}}
}

// logf writes one line of the server's log.
func (s *server) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.out, "http2-interop-server: "+format+"\n", args...)
}

// serve accepts connections until ln is closed, then closes them all and
// waits for their goroutines.
func (s *server) serve(ln net.Listener) error {
	var wg sync.WaitGroup
	defer func() {
		s.mu.Lock()
		for c := range s.open {
			c.nc.Close()
		}
		s.mu.Unlock()
		wg.Wait()
	}()
	for {
		nc, err := ln.Accept()
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.conns++
		c := newConn(s, s.conns, nc)
		s.open[c] = struct{}{}
		s.mu.Unlock()
		wg.Go(func() {
			c.serve()
			s.mu.Lock()
			delete(s.open, c)
			s.mu.Unlock()
		})
	}
}

// conn is one client connection. One goroutine runs it: it reads every
// frame and writes every frame, so nothing needs a lock but the log.
type conn struct {
	srv *server
	tc  *testCase
	id  int
	nc  net.Conn
	bw  *bufio.Writer
	fr  *http2.Framer
	enc *hpack.Encoder
	hb  bytes.Buffer

	streams map[uint32]*stream

	// What the client advertised, and the connection's send window.
	peerInitialWindow int64
	peerMaxFrame      uint32
	sendConn          int64

	// settingsAcked counts the client's SETTINGS ACKs: the max_streams
	// case's limit binds once its second SETTINGS is acknowledged.
	settingsAcked int
	// pingsSent and outstandingPings are the ping case's count: +1 for
	// each PING sent, -1 for each ACK.
	pingsSent, outstandingPings int
	// goAwayLast is the last stream id of the GOAWAY sent, when goAway.
	goAway     bool
	goAwayLast uint32
	// mostOpen is the most streams open at once.
	mostOpen int
}

// stream is one call.
type stream struct {
	id          uint32
	path        string
	recv        []byte
	handled     bool // the request message was complete and acted on
	clientDone  bool // the client ended its side
	serverDone  bool // the server ended its side (trailers or RST_STREAM)
	sendWindow  int64
	pending     []byte // response bytes not yet sent
	onSent      func() // runs once pending is all sent
	holdTrailer bool   // the ping case sends its last PING before the trailers
	trailerDue  bool
}

func newConn(s *server, id int, nc net.Conn) *conn {
	c := &conn{
		srv: s, tc: s.tc, id: id, nc: nc,
		bw:                bufio.NewWriter(nc),
		streams:           map[uint32]*stream{},
		peerInitialWindow: initialWindow,
		peerMaxFrame:      16384,
		sendConn:          initialWindow,
	}
	c.fr = http2.NewFramer(c.bw, nc)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 1 << 20
	c.enc = hpack.NewEncoder(&c.hb)
	return c
}

// logf logs a line about this connection.
func (c *conn) logf(format string, args ...any) {
	c.srv.logf("%s: connection %d: "+format, append([]any{c.tc.name, c.id}, args...)...)
}

// serve runs the connection: the server's SETTINGS (the Python server
// writes them as soon as the connection is made), the client's preface,
// then frames until the client goes; then the case's assertions.
func (c *conn) serve() {
	defer c.nc.Close()
	settings := []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: maxConcurrentStreams}}
	c.fr.WriteSettings(settings...)
	if c.tc.extraSettings != nil {
		c.fr.WriteSettings(c.tc.extraSettings...)
	}
	if !c.flush() {
		return
	}
	c.nc.SetReadDeadline(time.Now().Add(prefaceTimeout))
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c.nc, preface); err != nil || string(preface) != http2.ClientPreface {
		c.logf("no HTTP/2 client preface (%q, %v): closing", preface, err)
		return
	}
	c.nc.SetReadDeadline(time.Time{})
	var err error
	for {
		var f http2.Frame
		if f, err = c.fr.ReadFrame(); err != nil {
			break
		}
		c.handle(f)
		if !c.flush() {
			break
		}
	}
	if c.tc.onClose != nil {
		c.tc.onClose(c)
	}
}

// flush writes what the frames of one read left in the buffer.
func (c *conn) flush() bool {
	c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.bw.Flush() == nil
}

// handle acts on one frame.
func (c *conn) handle(f http2.Frame) {
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		c.handleHeaders(f)
	case *http2.DataFrame:
		c.handleData(f)
	case *http2.WindowUpdateFrame:
		if f.StreamID == 0 {
			c.sendConn += int64(f.Increment)
		} else if s := c.streams[f.StreamID]; s != nil {
			s.sendWindow += int64(f.Increment)
		}
		c.resume()
	case *http2.SettingsFrame:
		if f.IsAck() {
			c.settingsAcked++
			return
		}
		f.ForeachSetting(func(st http2.Setting) error {
			switch st.ID {
			case http2.SettingInitialWindowSize:
				// RFC 9113 §6.9.2: the change applies to every open stream.
				delta := int64(st.Val) - c.peerInitialWindow
				c.peerInitialWindow = int64(st.Val)
				for _, s := range c.streams {
					s.sendWindow += delta
				}
			case http2.SettingMaxFrameSize:
				c.peerMaxFrame = st.Val
			}
			return nil
		})
		c.fr.WriteSettingsAck()
		c.resume()
	case *http2.PingFrame:
		if f.IsAck() {
			c.outstandingPings--
			return
		}
		c.fr.WritePing(true, f.Data)
	case *http2.RSTStreamFrame:
		if s := c.streams[f.StreamID]; s != nil {
			c.logf("the client reset stream %d with %v", f.StreamID, f.ErrCode)
			delete(c.streams, f.StreamID)
		}
	case *http2.GoAwayFrame:
		c.logf("the client sent GOAWAY %v (last stream %d)", f.ErrCode, f.LastStreamID)
	}
}

// handleHeaders opens a stream, unless it is over the limits of the case.
func (c *conn) handleHeaders(f *http2.MetaHeadersFrame) {
	if s := c.streams[f.StreamID]; s != nil {
		// Trailers from the client end its side.
		s.clientDone = s.clientDone || f.StreamEnded()
		c.reap(s)
		return
	}
	if c.goAway && f.StreamID > c.goAwayLast {
		// RFC 9113 §6.8: streams above the GOAWAY's last stream id are not
		// processed; the client retries them on a new connection.
		c.logf("stream %d came after the GOAWAY (last stream %d): ignored, as RFC 9113 §6.8 allows; the client must retry it", f.StreamID, c.goAwayLast)
		return
	}
	if c.tc.maxStreams > 0 && c.settingsAcked >= 2 && len(c.streams) >= c.tc.maxStreams {
		c.srv.logf("%s: FAIL: connection %d: the client opened stream %d with %d streams open, over SETTINGS_MAX_CONCURRENT_STREAMS %d (RFC 9113 §5.1.2: \"Endpoints MUST NOT exceed the limit set by their peer.\")",
			c.tc.name, c.id, f.StreamID, len(c.streams), c.tc.maxStreams)
		c.fr.WriteRSTStream(f.StreamID, http2.ErrCodeRefusedStream)
		return
	}
	s := &stream{id: f.StreamID, path: f.PseudoValue("path"), clientDone: f.StreamEnded(), sendWindow: c.peerInitialWindow}
	c.streams[s.id] = s
	c.mostOpen = max(c.mostOpen, len(c.streams))
	c.tc.onRequest(c, s)
}

// handleData gives the window back and, once the stream holds a whole
// Length-Prefixed-Message, acts on the request.
func (c *conn) handleData(f *http2.DataFrame) {
	n := f.Header().Length
	if n > 0 {
		// Every DATA frame counts against the connection's window, even on
		// a stream that is gone (RFC 9113 §6.9).
		c.fr.WriteWindowUpdate(0, n)
	}
	s := c.streams[f.StreamID]
	if s == nil {
		return
	}
	if n > 0 && !f.StreamEnded() && !s.serverDone {
		c.fr.WriteWindowUpdate(s.id, n)
	}
	s.clientDone = s.clientDone || f.StreamEnded()
	if len(s.recv)+len(f.Data()) > maxRequest {
		c.logf("stream %d: a request over %d bytes: resetting it", s.id, maxRequest)
		c.reset(s)
		return
	}
	s.recv = append(s.recv, f.Data()...)
	if !s.handled && len(s.recv) >= 5 && uint64(len(s.recv)) == 5+uint64(binary.BigEndian.Uint32(s.recv[1:5])) {
		s.handled = true
		req, err := parseRequest(s.recv)
		if err != nil {
			c.logf("stream %d: %v: resetting it", s.id, err)
			c.reset(s)
			return
		}
		c.tc.onMessage(c, s, req)
	}
	c.reap(s)
}

// writeHeaders writes a header block of fields on stream id.
func (c *conn) writeHeaders(id uint32, endStream bool, fields ...string) {
	c.hb.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		c.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hb.Bytes(), EndStream: endStream, EndHeaders: true})
}

// sendResponseHeaders writes the Response-Headers the Python server sends
// as soon as a request arrives.
func (c *conn) sendResponseHeaders(s *stream) {
	c.writeHeaders(s.id, false,
		":status", "200",
		"content-type", "application/grpc",
		"grpc-encoding", "identity",
		"grpc-accept-encoding", "identity,deflate,gzip")
}

// sendTrailers ends the stream with grpc-status 0.
func (c *conn) sendTrailers(s *stream) {
	if s.holdTrailer {
		s.trailerDue = true
		return
	}
	c.writeHeaders(s.id, true, "grpc-status", "0")
	s.serverDone = true
	c.reap(s)
}

// reset ends the stream with RST_STREAM NO_ERROR, the code every case
// resets with ("a RST_STREAM with error code 0").
func (c *conn) reset(s *stream) {
	c.fr.WriteRSTStream(s.id, http2.ErrCodeNo)
	s.serverDone, s.pending, s.onSent = true, nil, nil
	delete(c.streams, s.id)
}

// ping sends a PING and counts it outstanding until its ACK.
func (c *conn) ping() {
	c.fr.WritePing(false, [8]byte{})
	c.pingsSent++
	c.outstandingPings++
}

// goAwayAfter sends GOAWAY NO_ERROR naming s as the last stream processed.
func (c *conn) goAwayAfter(s *stream) {
	c.fr.WriteGoAway(s.id, http2.ErrCodeNo, nil)
	c.goAway, c.goAwayLast = true, s.id
}

// send queues data on s within the flow-control windows, in DATA frames
// without END_STREAM; onSent runs once the last byte is written.
func (c *conn) send(s *stream, data []byte, onSent func()) {
	s.pending, s.onSent = data, onSent
	c.pump(s)
}

// pump writes as much of s's pending data as the windows allow.
func (c *conn) pump(s *stream) {
	for len(s.pending) > 0 {
		n := min(c.sendConn, s.sendWindow, int64(maxDataFrame), int64(c.peerMaxFrame), int64(len(s.pending)))
		if n <= 0 {
			return
		}
		c.fr.WriteData(s.id, false, s.pending[:n])
		c.sendConn -= n
		s.sendWindow -= n
		s.pending = s.pending[n:]
	}
	if done := s.onSent; done != nil {
		s.onSent = nil
		done()
	}
}

// resume continues every stream waiting for window, in stream order.
func (c *conn) resume() {
	ids := make([]uint32, 0, len(c.streams))
	for id, s := range c.streams {
		if len(s.pending) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if s := c.streams[id]; s != nil {
			c.pump(s)
		}
	}
}

// reap forgets a stream both sides have ended: it no longer counts against
// SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2).
func (c *conn) reap(s *stream) {
	if s.clientDone && s.serverDone {
		delete(c.streams, s.id)
	}
}
