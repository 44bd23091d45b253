package client_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestConnectErrorsInPlainWords pins what a person reads when a call cannot
// reach a gRPC server: each cause of failure is named in plain words, and
// the call fails fast with UNAVAILABLE whose Cause is a *ConnectError with
// the reason, for programs to word advice in their own flags. The wording
// checked is the part a person acts on (which side wants TLS, that the
// server is HTTP/1.1, that the name does not resolve), not whole sentences;
// no message names a Go API (client.WithTLS, tls.Config), which the user of
// a program cannot act on.
func TestConnectErrorsInPlainWords(t *testing.T) {
	pki := testsvc.NewPKI(t, true, "localhost")
	tests := []struct {
		name   string
		target func(t *testing.T) string
		opts   []client.Option
		reason client.ConnectReason
		// orReason is another reason the attempt may give, when timing
		// decides between two (ReasonOther: none).
		orReason client.ConnectReason
		want     []string
	}{
		{
			name:   "connection refused",
			target: func(t *testing.T) string { return testsvc.ClosedAddr(t) },
			reason: client.ReasonRefused,
			want:   []string{"connection refused", "no server is listening"},
		},
		{
			name:   "DNS failure",
			target: func(*testing.T) string { return "no-such-host.grpcwire.invalid:443" },
			reason: client.ReasonDNS,
			want:   []string{"cannot resolve", "no-such-host.grpcwire.invalid", "DNS"},
		},
		{
			name: "HTTP/1.1 server",
			target: func(t *testing.T) string {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
				t.Cleanup(srv.Close)
				return srv.Listener.Addr().String()
			},
			reason: client.ReasonHTTP1,
			want:   []string{"HTTP/1.1", "not a gRPC server", "or it wants TLS"},
		},
		{
			name: "HTTP/1.1 server over TLS (no ALPN h2)",
			target: func(t *testing.T) string {
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
				srv.TLS = pki.ServerConfig()
				srv.StartTLS()
				t.Cleanup(srv.Close)
				return srv.Listener.Addr().String()
			},
			opts:   []client.Option{client.WithTLS(&tls.Config{RootCAs: pki.Pool})},
			reason: client.ReasonNoHTTP2,
			want:   []string{"HTTP/2", "ALPN h2", "not a gRPC server"},
		},
		{
			name:   "TLS to a cleartext port",
			target: cleartextServer,
			opts:   []client.Option{client.WithTLS(&tls.Config{RootCAs: pki.Pool})},
			reason: client.ReasonNotTLS,
			want:   []string{"TLS handshake", "cleartext port"},
		},
		{
			name:   "cleartext to a TLS port",
			target: func(t *testing.T) string { return tlsServer(t, pki) },
			// The server's TLS alert and its closing race the client's
			// read: either the bytes are not HTTP/2 or the connection ended.
			reason: client.ReasonNotHTTP2, orReason: client.ReasonClosedEarly,
			want: []string{"HTTP/2", "expect TLS"},
		},
		{
			name:   "certificate not trusted",
			target: func(t *testing.T) string { return tlsServer(t, pki) },
			opts:   []client.Option{client.WithTLS(&tls.Config{})}, // the system roots
			reason: client.ReasonUnknownAuthority,
			want:   []string{"certificate", "not accepted", "no trusted CA"},
		},
		{
			name:   "certificate for another name",
			target: func(t *testing.T) string { return tlsServer(t, testsvc.NewPKI(t, false, "other.example")) },
			opts:   []client.Option{client.WithTLS(&tls.Config{RootCAs: pki.Pool})},
			reason: client.ReasonWrongName,
			want:   []string{"certificate", "not accepted", "other names"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			cc := testsvc.Dial(t, tt.target(t), append(tt.opts, client.WithConnectTimeout(testsvc.Timeout))...)
			start := time.Now()
			_, err := echo(context.Background(), cc, "x")
			st := wantStatus(t, err, wire.Unavailable, tt.want...)
			for _, api := range []string{"client.", "tls.Config", "WithTLS", "RootCAs", "ServerName"} {
				if strings.Contains(st.Message, api) {
					t.Errorf("the message %q names the Go API %q", st.Message, api)
				}
			}
			ce := client.ConnectErrorOf(err)
			if ce == nil {
				t.Fatalf("ConnectErrorOf(%v) = nil; the status's Cause is %v", err, st.Cause())
			}
			if (ce.Reason != tt.reason && (tt.orReason == client.ReasonOther || ce.Reason != tt.orReason)) || ce.Target != cc.Target() {
				t.Errorf("ConnectError reason %v, target %q; want %v, %q", ce.Reason, ce.Target, tt.reason, cc.Target())
			}
			if errors.Is(err, io.EOF) {
				t.Errorf("errors.Is(%v, io.EOF) is true: a failed call must never look like a stream's clean end", err)
			}
			if d := time.Since(start); d > testsvc.Timeout/2 {
				t.Errorf("the call took %v to fail; a fail-fast call must not wait for a timeout", d)
			}
		})
	}
}

// TestWaitReadyDeadlineSaysWhy: when WaitReady (or a wait-for-ready call)
// gives up at its deadline, the status says why the connection could not be
// made, not only that time ran out.
func TestWaitReadyDeadlineSaysWhy(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := testsvc.Dial(t, testsvc.ClosedAddr(t), client.WithBackoff(client.Backoff{
		BaseDelay: 5 * time.Millisecond, Multiplier: 1, MaxDelay: 5 * time.Millisecond}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	wantStatus(t, cc.WaitReady(ctx), wire.DeadlineExceeded, "connection refused")
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := echo(ctx, cc, "x", client.WaitForReady(true))
	wantStatus(t, err, wire.DeadlineExceeded, "connection refused")
	if ce := client.ConnectErrorOf(err); ce == nil || ce.Reason != client.ReasonRefused {
		t.Errorf("ConnectErrorOf(%v) = %v, want the refused attempt", err, ce)
	}
}

// cleartextServer serves the test service without TLS.
func cleartextServer(t *testing.T) string {
	_, addr := testsvc.Start(t, nil)
	return addr
}

// tlsServer serves the test service with TLS and the PKI's certificate.
func tlsServer(t *testing.T, pki *testsvc.PKI) string {
	_, addr := testsvc.Start(t, nil, server.TLS(pki.ServerConfig()))
	return addr
}

// TestConnectTimeoutSaysWhy: a server that accepts the connection but never
// speaks HTTP/2 (no SETTINGS frame) fails the attempt after the connect
// timeout, and the status says that no SETTINGS came, so probably not a
// gRPC server.
func TestConnectTimeoutSaysWhy(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		silent := make(chan net.Conn, 1)
		cc := testsvc.Dial(t, "quiet:443", client.WithDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, s := net.Pipe()
			go io.Copy(io.Discard, s) // reads everything, answers nothing
			silent <- s
			return c, nil
		}))
		start := time.Now()
		_, err := echo(context.Background(), cc, "x")
		wantStatus(t, err, wire.Unavailable, "no HTTP/2 SETTINGS", "quiet:443", "is it a gRPC server?")
		if ce := client.ConnectErrorOf(err); ce == nil || ce.Reason != client.ReasonNoSettings {
			t.Errorf("ConnectErrorOf(%v) = %v, want ReasonNoSettings", err, ce)
		}
		if took := time.Since(start); took != wire.DefaultMinConnectTimeout {
			t.Errorf("the attempt gave up after %v, want the connect timeout %v", took, wire.DefaultMinConnectTimeout)
		}
		(<-silent).Close()
	})
}
