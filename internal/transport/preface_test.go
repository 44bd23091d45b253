package transport

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// prefaceResult is what a server made of a client's first bytes.
type prefaceResult struct {
	err     error  // readPreface's verdict
	answer  []byte // what the server wrote back
	waiting bool   // readPreface was still waiting for more bytes
}

// readPrefaceOf feeds in to a server connection's readPreface over an
// in-memory pipe that stays open after in (as a client waiting for an
// answer does), unless hangUp is set, and returns the verdict and the
// answer, or waiting if there was no verdict within wait.
func readPrefaceOf(in []byte, hangUp bool, wait time.Duration) prefaceResult {
	cnc, snc := net.Pipe()
	defer cnc.Close()
	answer := make(chan []byte, 1)
	go func() {
		cnc.Write(in)
		if hangUp {
			cnc.Close()
		}
		b, _ := io.ReadAll(cnc)
		answer <- b
	}()
	c := NewServerConn(snc, Config{HandshakeTimeout: time.Minute})
	verdict := make(chan error, 1)
	go func() { verdict <- c.readPreface() }()
	var res prefaceResult
	select {
	case res.err = <-verdict:
	case <-time.After(wait):
		res.waiting = true
		snc.Close()
		<-verdict
	}
	snc.Close()
	res.answer = <-answer
	return res
}

// TestReadPreface walks what a server may receive first on a cleartext
// port (RFC 9113 §3.4: "the connection preface starts with the string
// PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), and what it makes of it: the preface
// is accepted; an HTTP/1.x request, however short, is answered with HTTP/1.1
// 505 at once; a TLS handshake and anything else are named in the error.
func TestReadPreface(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		hangUp bool
		want   string // in the error; "" for the preface accepted
		answer bool   // an HTTP/1.1 answer is written
	}{
		{"the preface", http2.ClientPreface, false, "", false},
		{"the preface and a SETTINGS frame", http2.ClientPreface + "\x00\x00\x00\x04\x00\x00\x00\x00\x00", false, "", false},
		{"HTTP/1.1 GET", "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8\r\n\r\n", false, "HTTP/1.x", true},
		{"HTTP/1.1 POST", "POST /pkg.Svc/M HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", false, "HTTP/1.x", true},
		{"HTTP/1.0 GET, shorter than the preface", "GET / HTTP/1.0\r\n\r\n", false, "HTTP/1.x", true},
		{"HEAD, shorter than the preface", "HEAD / HTTP/1.1\r\n\r\n", false, "HTTP/1.x", true},
		{"OPTIONS", "OPTIONS * HTTP/1.1\r\n\r\n", false, "HTTP/1.x", true},
		{"TLS ClientHello", "\x16\x03\x01\x00\xf0\x01\x00\x00\xec\x03\x03", false, "TLS handshake", false},
		{"HTTP/2 frames without the preface", "\x00\x00\x00\x04\x00\x00\x00\x00\x00", false, "bad client preface", false},
		{"a corrupted preface", "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", false, "bad client preface", false},
		{"HTTP/1.1 with the preface's method", "PRI * HTTP/1.1\r\n\r\n", false, "bad client preface", false},
		{"a lowercase method", "get / HTTP/1.1\r\n\r\n", false, "bad client preface", false},
		{"half the preface, then a hang-up", http2.ClientPreface[:10], true, "reading the client preface", false},
		{"half a method, then a hang-up", "GE", true, "reading the client preface", false},
		{"nothing, then a hang-up", "", true, "reading the client preface", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readPrefaceOf([]byte(tt.in), tt.hangUp, time.Second)
			switch {
			case res.waiting:
				t.Fatalf("readPreface(%q) still waiting after a second", tt.in)
			case tt.want == "" && res.err != nil:
				t.Errorf("error %v, want the preface accepted", res.err)
			case tt.want != "" && (res.err == nil || !strings.Contains(res.err.Error(), tt.want)):
				t.Errorf("error %v, want one naming %q", res.err, tt.want)
			}
			if !tt.answer {
				if len(res.answer) > 0 {
					t.Errorf("the server wrote %q, want nothing", res.answer)
				}
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(res.answer)), nil)
			if err != nil {
				t.Fatalf("the answer %q is not an HTTP/1.1 response: %v", res.answer, err)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Errorf("the answer's body does not match its Content-Length: %v", err)
			}
			if resp.StatusCode != http.StatusHTTPVersionNotSupported || int64(len(body)) != resp.ContentLength || !bytes.Contains(body, []byte("gRPC")) {
				t.Errorf("answer %s, Content-Length %d, body %q", resp.Status, resp.ContentLength, body)
			}
		})
	}
}

// TestReadPrefaceErrorsAreProtocolErrors: every verdict on bytes that are
// not the preface is a *ProtocolError the server can log as the peer's
// fault, except a connection that ended first.
func TestReadPrefaceErrorsAreProtocolErrors(t *testing.T) {
	for _, in := range []string{"GET / HTTP/1.1\r\n\r\n", "\x16\x03\x01\x00", "garbage!"} {
		var pe *ProtocolError
		if res := readPrefaceOf([]byte(in), false, time.Second); !errors.As(res.err, &pe) {
			t.Errorf("%q: error %v (%T), want a *ProtocolError", in, res.err, res.err)
		}
	}
}

// FuzzReadPreface: whatever a client sends first, readPreface never
// panics, accepts only the preface, answers in HTTP/1.1 only a request that
// starts with an HTTP/1.x method, and waits for more bytes only while what
// it has could still start the preface, a TLS record or such a request.
func FuzzReadPreface(f *testing.F) {
	for _, s := range []string{http2.ClientPreface, "GET / HTTP/1.1\r\n\r\n", "\x16\x03\x01", "PRI * HTTP/2.0\r\n", "P", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res := readPrefaceOf(in, false, 50*time.Millisecond)
		if res.waiting {
			if !couldStillBe(in) {
				t.Errorf("still waiting after %q, which can no longer start the preface, TLS or HTTP/1.x", in)
			}
			return
		}
		if res.err == nil && !bytes.HasPrefix(in, []byte(http2.ClientPreface)) {
			t.Errorf("accepted %q as the preface", in)
		}
		if len(res.answer) > 0 && !looksLikeHTTP1(in) {
			t.Errorf("answered %q in HTTP/1.1", in)
		}
	})
}

// couldStillBe reports whether in is a strict beginning of the preface, of
// a TLS record or of an HTTP/1.x request line.
func couldStillBe(in []byte) bool {
	starts := append([]string{http2.ClientPreface, "\x16\x03"}, http1Methods...)
	for _, s := range starts {
		if len(in) < len(s) && strings.HasPrefix(s, string(in)) {
			return true
		}
	}
	return false
}
