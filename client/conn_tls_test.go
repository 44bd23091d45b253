package client_test

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// TestTLSClient: WithTLS verifies the server with the given root pool (the
// system pool when none is given, see TestConnectErrorsInPlainWords), checks
// the name in ServerName when set, else the host of the authority, and
// serves calls over the TLS connection.
func TestTLSClient(t *testing.T) {
	tests := []struct {
		name  string
		names []string // the certificate's DNS names
		ips   bool     // the certificate also holds 127.0.0.1
		opts  func(pki *testsvc.PKI) []client.Option
	}{
		{
			name: "root pool, IP address",
			ips:  true,
			opts: func(pki *testsvc.PKI) []client.Option {
				return []client.Option{client.WithTLS(&tls.Config{RootCAs: pki.Pool})}
			},
		},
		{
			name:  "server name override",
			names: []string{"grpc.example"},
			opts: func(pki *testsvc.PKI) []client.Option {
				return []client.Option{client.WithTLS(&tls.Config{RootCAs: pki.Pool, ServerName: "grpc.example"})}
			},
		},
		{
			name:  "name from the authority",
			names: []string{"grpc.example"},
			opts: func(pki *testsvc.PKI) []client.Option {
				return []client.Option{client.WithTLS(&tls.Config{RootCAs: pki.Pool}), client.WithAuthority("grpc.example:443")}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			pki := testsvc.NewPKI(t, tt.ips, tt.names...)
			cfg := pki.ServerConfig()
			_, addr := testsvc.Start(t, nil, server.TLS(cfg))
			cc := testsvc.Dial(t, addr, tt.opts(pki)...)
			if got, err := echo(context.Background(), cc, "secure"); err != nil || got != "secure" {
				t.Fatalf("call over TLS: %q, %v", got, err)
			}
		})
	}
}

// TestTLSClientHello pins what the client says during and right after the
// TLS handshake: ALPN offers "h2", SNI carries the server name, and the
// request is sent with :scheme https.
func TestTLSClientHello(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	pki := testsvc.NewPKI(t, false, "grpc.example")
	hellos := make(chan *tls.ClientHelloInfo, 1)
	cfg := pki.ServerConfig()
	cfg.NextProtos = []string{"h2"}
	cfg.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		hellos <- h
		return nil, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cc := testsvc.Dial(t, ln.Addr().String(), client.WithTLS(&tls.Config{RootCAs: pki.Pool, ServerName: "grpc.example"}))
	wait := testsvc.Go(t, func() error {
		_, err := echo(context.Background(), cc, "hello")
		return err
	})
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(testsvc.Timeout))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	tc := tls.Server(nc, cfg)
	tc.SetDeadline(time.Now().Add(testsvc.Timeout))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	tc.SetDeadline(time.Time{})
	h := <-hellos
	if !slices.Contains(h.SupportedProtos, "h2") {
		t.Errorf("the client offered ALPN %q, want h2 among them", h.SupportedProtos)
	}
	if h.ServerName != "grpc.example" {
		t.Errorf("SNI %q, want grpc.example", h.ServerName)
	}
	p := h2test.NewServer(t, tc)
	p.Handshake()
	req := p.ExpectHeaders(1, false)
	if got := req.Get(":scheme"); got != "https" {
		t.Errorf(":scheme %q over TLS, want https", got)
	}
	m, _ := p.ExpectGRPCMessage(1)
	p.WriteGRPCResponseHeaders(1)
	p.WriteGRPCMessage(1, false, false, m.Data)
	p.WriteGRPCTrailers(1, 0, "")
	if err := wait(); err != nil {
		t.Fatalf("call: %v", err)
	}
	var res wrapperspb.StringValue
	testsvc.Unmarshal(t, m.Data, &res)
	if res.Value != "hello" {
		t.Errorf("request %q", res.Value)
	}
}
