package transport

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// The connection preface, RFC 9113 §3.4: "In HTTP/2, each endpoint is
// required to send a connection preface as a final confirmation of the
// protocol in use ... The client connection preface starts with a sequence
// of 24 octets ... This sequence MUST be followed by a SETTINGS frame"; "The
// server connection preface consists of a potentially empty SETTINGS frame
// that MUST be the first frame the server sends". A server also tells a
// client that spoke HTTP/1.x or TLS to its cleartext port what went wrong.

// readPreface reads the client connection preface (RFC 9113 §3.4). A peer
// that speaks HTTP/1.1 instead gets a short HTTP/1.1 answer saying what this
// server is, rather than silence. The bytes are judged as they arrive, so
// that an HTTP/1.x request shorter than the 24-byte preface is answered at
// once instead of after the handshake timeout.
func (c *Conn) readPreface() error {
	if t := c.cfg.HandshakeTimeout; t > 0 {
		c.nc.SetReadDeadline(time.Now().Add(t))
		defer c.nc.SetReadDeadline(time.Time{})
	}
	var buf [len(http2.ClientPreface)]byte
	n := 0
	for {
		m, err := c.br.Read(buf[n:])
		n += m
		got := buf[:n]
		switch {
		case string(got) == http2.ClientPreface:
			return nil
		case strings.HasPrefix(http2.ClientPreface, string(got)) || mayBeTLSOrHTTP1(got):
			// Too early to tell.
		case len(got) >= 2 && got[0] == tlsHandshakeRecord && got[1] == tlsMajorVersion:
			return &ProtocolError{Code: http2.ErrCodeProtocol, Reason: "the client started a TLS handshake on this cleartext port (serve with TLS, or have it dial without TLS)"}
		case looksLikeHTTP1(got):
			c.answerHTTP1()
			return &ProtocolError{Code: http2.ErrCodeProtocol, Reason: "the client spoke HTTP/1.x, not HTTP/2"}
		default:
			return &ProtocolError{Code: http2.ErrCodeProtocol, Reason: fmt.Sprintf("bad client preface %q", got)}
		}
		if err != nil {
			return fmt.Errorf("reading the client preface (%d of %d bytes): %w", n, len(buf), err)
		}
	}
}

// The first two bytes of a TLS ClientHello record: content type 22
// (handshake) and the major version 3 (RFC 8446 §5.1).
const (
	tlsHandshakeRecord = 0x16
	tlsMajorVersion    = 0x03
)

// http1Methods are the request methods an HTTP/1.x client may start with.
var http1Methods = []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// http1Body and http1Answer are what a cleartext gRPC server says to an
// HTTP/1.x client.
const http1Body = "This is a gRPC server: it speaks HTTP/2 only (cleartext with prior knowledge, or TLS with ALPN h2), not HTTP/1.\n"

var http1Answer = "HTTP/1.1 505 HTTP Version Not Supported\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Connection: close\r\n" +
	"Content-Length: " + strconv.Itoa(len(http1Body)) + "\r\n" +
	"\r\n" +
	http1Body

// answerHTTP1 writes http1Answer, closes the sending side and drains the
// request for at most http1Linger.
func (c *Conn) answerHTTP1() {
	c.nc.SetWriteDeadline(time.Now().Add(goAwayFlushBound))
	if _, err := io.WriteString(c.nc, http1Answer); err != nil {
		return
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		c.nc.SetReadDeadline(time.Now().Add(http1Linger))
		io.Copy(io.Discard, io.LimitReader(c.br, http1LingerBytes))
	}
}

// looksLikeHTTP1 reports whether b starts like an HTTP/1.x request line.
func looksLikeHTTP1(b []byte) bool {
	for _, m := range http1Methods {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// mayBeTLSOrHTTP1 reports whether b is too short to tell whether it starts
// a TLS record or an HTTP/1.x request line.
func mayBeTLSOrHTTP1(b []byte) bool {
	if len(b) == 1 && b[0] == tlsHandshakeRecord {
		return true
	}
	for _, m := range http1Methods {
		if len(b) < len(m) && strings.HasPrefix(m, string(b)) {
			return true
		}
	}
	return false
}

func (w *writer) writePreface() error {
	c := w.c
	if !c.isServer {
		if _, err := w.bw.Write([]byte(http2.ClientPreface)); err != nil {
			return err
		}
	}
	settings := []http2.Setting{
		{ID: http2.SettingInitialWindowSize, Val: c.cfg.InitialWindowSize},
		{ID: http2.SettingMaxFrameSize, Val: c.cfg.MaxFrameSize},
		{ID: http2.SettingMaxHeaderListSize, Val: c.cfg.MaxHeaderListSize},
	}
	if !c.isServer {
		// RFC 9113 §8.4: a client that will not accept pushes says so.
		settings = append(settings, http2.Setting{ID: http2.SettingEnablePush, Val: 0})
	}
	if c.cfg.MaxConcurrentStreams > 0 {
		settings = append(settings, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: c.cfg.MaxConcurrentStreams})
	}
	if err := w.fr.WriteSettings(settings...); err != nil {
		return err
	}
	if c.observing() {
		c.observe(&observe.FrameEvent{Sent: true, Header: frameHeader(http2.FrameSettings, 0, 0, uint32(6*len(settings))), Settings: settings})
	}
	if incr := c.cfg.ConnWindowSize - rfcInitialWindowSize; incr > 0 {
		if err := w.writeWindowUpdate(0, incr); err != nil {
			return err
		}
	}
	return nil
}
