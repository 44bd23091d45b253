package server_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// TestTLSNegotiatesH2: with the TLS option the server completes a TLS
// handshake that selects ALPN "h2" and serves gRPC over it; the handler sees
// the TLS state; the configuration passed in is not modified.
func TestTLSNegotiatesH2(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	pki := testsvc.NewPKI(t, true, "localhost")
	cfg := pki.ServerConfig()
	seen := make(chan server.Peer, 1)
	_, addr := testsvc.Start(t, &testsvc.Service{
		Echo: func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			p, _ := server.PeerFromContext(ctx)
			seen <- p
			return in, nil
		},
	}, server.TLS(cfg))
	cc := testsvc.Dial(t, addr, client.WithTLS(&tls.Config{RootCAs: pki.Pool}))
	res, err := client.Unary[wrapperspb.StringValue, wrapperspb.StringValue](context.Background(), cc, testsvc.EchoPath, wrapperspb.String("over TLS"))
	if err != nil || res.Value != "over TLS" {
		t.Fatalf("call over TLS: %v, %v", res, err)
	}
	p := <-seen
	if p.TLS == nil {
		t.Fatal("the handler's peer has no TLS state on a TLS connection")
	}
	if got := p.TLS.State.NegotiatedProtocol; got != "h2" {
		t.Errorf("negotiated ALPN %q, want h2", got)
	}
	if cfg.NextProtos != nil {
		t.Errorf("server.TLS modified the caller's config: NextProtos = %q", cfg.NextProtos)
	}
}

// TestTLSWithoutH2IsClosed: a TLS client that does not negotiate h2 is not
// served: without ALPN the handshake completes and the server closes the
// connection at once; offering only http/1.1 fails the handshake (Go's TLS
// server refuses a client whose protocols it does not share). Either way the
// server logs a line saying why, and a cleartext client on the TLS port is
// logged as such.
func TestTLSWithoutH2IsClosed(t *testing.T) {
	pki := testsvc.NewPKI(t, true, "localhost")
	tests := []struct {
		name    string
		connect func(t *testing.T, addr string)
		want    []string
	}{
		{
			name: "no ALPN",
			connect: func(t *testing.T, addr string) {
				tc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pki.Pool})
				if err != nil {
					t.Fatalf("handshake without ALPN: %v", err)
				}
				defer tc.Close()
				tc.SetDeadline(time.Now().Add(testsvc.Timeout))
				if n, err := io.Copy(io.Discard, tc); err != nil || n != 0 {
					t.Errorf("the server sent %d bytes and ended with %v; want it to close the connection without a word", n, err)
				}
			},
			want: []string{"did not negotiate ALPN h2", "gRPC needs HTTP/2"},
		},
		{
			// Go's TLS server completes a handshake in which the client
			// offered only http/1.1 without selecting a protocol.
			name: "http/1.1 only",
			connect: func(t *testing.T, addr string) {
				tc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pki.Pool, NextProtos: []string{"http/1.1"}})
				if err != nil {
					return
				}
				defer tc.Close()
				tc.SetDeadline(time.Now().Add(testsvc.Timeout))
				if n, err := io.Copy(io.Discard, tc); err != nil || n != 0 {
					t.Errorf("the server sent %d bytes and ended with %v; want it to close the connection without a word", n, err)
				}
			},
			want: []string{"did not negotiate ALPN h2"},
		},
		{
			name: "unknown protocol only",
			connect: func(t *testing.T, addr string) {
				tc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pki.Pool, NextProtos: []string{"spdy/3"}})
				if err == nil {
					tc.Close()
					t.Fatal("a handshake offering only spdy/3 succeeded")
				}
			},
			want: []string{"TLS handshake failed", "application protocol"},
		},
		{
			name: "cleartext HTTP/2 on the TLS port",
			connect: func(t *testing.T, addr string) {
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				io.WriteString(nc, http2.ClientPreface)
				nc.SetDeadline(time.Now().Add(testsvc.Timeout))
				io.Copy(io.Discard, nc)
			},
			want: []string{"did not start TLS", "cleartext"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			var log testio.Buffer
			_, addr := testsvc.Start(t, nil, server.TLS(pki.ServerConfig()), server.Logger(log.Logger()))
			tt.connect(t, addr)
			log.WaitFor(t, tt.want...)
		})
	}
}

// TestCleartextPriorKnowledge: without the TLS option the server speaks
// HTTP/2 with prior knowledge (RFC 9113 §3.3): the client preface comes
// first, no upgrade, no ALPN. A client that starts TLS there is logged as
// such.
func TestCleartextPriorKnowledge(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	var log testio.Buffer
	_, addr := testsvc.Start(t, nil, server.Logger(log.Logger()))
	p := testsvc.RawClient(t, addr)
	p.Handshake()
	p.WriteGRPCRequestHeaders(1, testsvc.EchoPath, false)
	p.WriteGRPCMessage(1, true, false, testsvc.Marshal(t, wrapperspb.String("clear")))
	p.ExpectHeaders(1, false)
	m, _ := p.ExpectGRPCMessage(1)
	var res wrapperspb.StringValue
	testsvc.Unmarshal(t, m.Data, &res)
	if res.Value != "clear" {
		t.Errorf("response %q, want %q", res.Value, "clear")
	}
	p.ExpectGRPCStatus(1, 0)

	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	tc.SetDeadline(time.Now().Add(testsvc.Timeout))
	if err := tc.Handshake(); err == nil {
		t.Fatal("a TLS handshake succeeded on the cleartext port")
	}
	log.WaitFor(t, "TLS handshake on this cleartext port")
}

// TestHTTP1ClientGetsAnAnswer: a client speaking HTTP/1.x to the cleartext
// port gets a short HTTP/1.1 error response saying this is a gRPC (HTTP/2)
// server, then the connection closes: not silence until a timeout. Requests
// shorter than the 24-byte HTTP/2 preface are answered too.
func TestHTTP1ClientGetsAnAnswer(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, addr := testsvc.Start(t, nil)
	requests := []string{
		"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n",
		"POST /grpcwire.testing.Test/Echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n", // 18 bytes
		"HEAD / HTTP/1.1\r\n\r\n",
	}
	for _, req := range requests {
		line, _, _ := strings.Cut(req, "\r\n")
		t.Run(line, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			// Well under the server's handshake timeout: an answer must not
			// wait for it.
			nc.SetDeadline(time.Now().Add(2 * time.Second))
			io.WriteString(nc, req)
			br := bufio.NewReader(nc)
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no HTTP/1.1 response: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusHTTPVersionNotSupported || res.ProtoMajor != 1 {
				t.Errorf("response %s %s, want HTTP/1.1 505", res.Proto, res.Status)
			}
			for _, w := range []string{"gRPC", "HTTP/2"} {
				if !strings.Contains(string(body), w) {
					t.Errorf("body %q does not say %q", body, w)
				}
			}
			if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
				t.Errorf("after the answer: %q, %v; want the connection closed", rest, err)
			}
		})
	}

	// And a real HTTP/1.1 client sees the same.
	res, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("net/http GET: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusHTTPVersionNotSupported || !strings.Contains(string(body), "gRPC") {
		t.Errorf("net/http GET: %s %q", res.Status, body)
	}
	if slices.Contains(res.Header.Values("Connection"), "keep-alive") {
		t.Errorf("the answer keeps the connection alive")
	}
}
