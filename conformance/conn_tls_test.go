package conformance

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"grpcwire/client"
	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
	"grpcwire/conformance/echoserver"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// tlsServerName is the only name in the test certificates: clients reach
// 127.0.0.1 and check this name, as a client behind a load balancer would.
const tlsServerName = "grpcwire.test"

// testCerts makes a CA and a server certificate for tlsServerName, and
// returns the server's TLS configuration and the pool a client trusts.
func testCerts(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	pki := testsvc.NewPKI(t, false, tlsServerName)
	return pki.ServerConfig(), pki.Pool
}

// startTLSServer serves Echo with TLS on a loopback port with
// implementation impl, stopped at the end of the test.
func startTLSServer(t *testing.T, impl implementation, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	var stop func()
	switch impl {
	case grpcGo:
		s := grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg)))
		echogrpc.RegisterEchoServer(s, &echoserver.GRPCGo{})
		go func() { served <- s.Serve(ln) }()
		stop = s.Stop
	case grpcWire:
		s := server.New(server.TLS(cfg))
		echopb.RegisterEchoServer(s, &echoserver.Wire{})
		go func() { served <- s.Serve(ln) }()
		stop = s.Stop
	}
	t.Cleanup(sync.OnceFunc(func() {
		stop()
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) && !errors.Is(err, server.ErrServerStopped) {
			t.Errorf("%v Serve: %v", impl, err)
		}
	}))
	return ln.Addr().String()
}

// dialTLS connects impl's client to addr with TLS trusting pool (nil for a
// cleartext client), closed at the end of the test.
func dialTLS(t *testing.T, impl implementation, addr string, pool *x509.CertPool) caller {
	t.Helper()
	switch impl {
	case grpcGo:
		creds := insecure.NewCredentials()
		if pool != nil {
			creds = credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: tlsServerName})
		}
		cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(creds))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close() })
		return &grpcGoCaller{cc: cc, c: echogrpc.NewEchoClient(cc)}
	default:
		var opts []client.Option
		if pool != nil {
			opts = append(opts, client.WithTLS(&tls.Config{RootCAs: pool, ServerName: tlsServerName}))
		}
		cc, err := client.Dial(addr, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close() })
		return &wireCaller{cc: cc, c: echopb.NewEchoClient(cc)}
	}
}

// TestTLS: every kind of call over TLS (ALPN h2, a certificate made for the
// test, the client checking the server name), in every direction: grpc-go's
// client against grpcwire's server and grpcwire's client against grpc-go's
// server, with both libraries against themselves as controls. A cleartext
// client of either library is not served by the TLS port.
func TestTLS(t *testing.T) {
	cfg, pool := testCerts(t)
	for _, d := range directions {
		t.Run(d.String(), func(t *testing.T) {
			checkNoLeaks(t)
			addr := startTLSServer(t, d.server, cfg)
			c := dialTLS(t, d.client, addr, pool)
			for _, k := range callKinds {
				req := &echopb.EchoRequest{Payload: []byte("secret " + k.String()), ResponseCount: 2}
				out := call(callContext(t), c, k, callOpts{}, req)
				if out.code != 0 || len(out.responses) != expectedResponses(k, req) {
					t.Fatalf("%v over TLS: %v", k, out)
				}
				if got := out.responses[0].GetServer(); got != d.server.serverName() {
					t.Errorf("%v answered by %q, want %q", k, got, d.server.serverName())
				}
			}
			clear := dialTLS(t, d.client, addr, nil)
			if out := clear.unary(callContext(t), callOpts{}, &echopb.EchoRequest{}); out.code != uint32(wire.Unavailable) {
				t.Errorf("a cleartext client of the TLS port got %v, want UNAVAILABLE", out)
			}
		})
	}
}
