package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/interop"
	"grpcwire/server"
)

// badGatewayPage is the body nginx sends with its 502 when the upstream is
// down.
const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// startBadGateway starts a real HTTP/2 server (net/http's, cleartext with
// prior knowledge, or TLS with ALPN h2) that answers every request as nginx
// does when its gRPC upstream is down: HTTP status 502, an HTML page, no
// grpc-status.
func startBadGateway(t *testing.T, useTLS bool) string {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("the gateway got an HTTP/%d.%d request, want HTTP/2", r.ProtoMajor, r.ProtoMinor)
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(badGatewayPage))
	})
	srv := httptest.NewUnstartedServer(h)
	if useTLS {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetUnencryptedHTTP2(true)
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// TestProxyStatusIsACallResult: a status that a proxy answered with (an
// HTTP 502, which doc/http-grpc-status-mapping.md makes UNAVAILABLE) is the
// call's result, exit code 1, like any status the server sent, and comes
// with no hint about TLS or the address; exit code 2 is kept for calls that
// found no server to ask.
func TestProxyStatusIsACallResult(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	for _, useTLS := range []bool{false, true} {
		name := map[bool]string{false: "cleartext", true: "TLS"}[useTLS]
		t.Run(name, func(t *testing.T) {
			addr := startBadGateway(t, useTLS)
			security := []string{"-plaintext"}
			if useTLS {
				security = []string{"-insecure-skip-verify"}
			}
			args := append(append([]string{"call"}, security...),
				"-proto", "users.proto", "-I", repoRoot(t), addr, "users.Users/CreateUser", `{"username": "tom"}`)
			r := grpcwire(t, "", args...)
			expect(t, r, exitStatus, "14 UNAVAILABLE: grpcwire: unexpected HTTP status 502 (Bad Gateway)", "502 Bad Gateway</h1>")
			for _, hint := range []string{"-plaintext", "TLS", "listens"} {
				if strings.Contains(r.stderr, hint) {
					t.Errorf("a proxy's answer came with a hint naming %q:\n%s", hint, r)
				}
			}

			// Through reflection, the question that found no answer is the
			// reflection call's: exit 2, as for any server that cannot
			// answer it, and still no hint about the connection.
			r = grpcwire(t, "", append(append([]string{"list"}, security...), addr)...)
			expect(t, r, exitUsage, "server reflection at "+addr+" failed: 14 UNAVAILABLE")
			if strings.Contains(r.stderr, "TLS") || strings.Contains(r.stderr, "-plaintext") {
				t.Errorf("a proxy's answer to reflection came with a connection hint:\n%s", r)
			}
		})
	}
}

// TestConnectHints: when no connection could be made the command exits 2,
// prints the client's plain-words reason, and then what to change on its
// own command line, in its flags; a refused connection says nothing of TLS.
func TestConnectHints(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	clear := startInterop(t, false)
	cfg, err := interop.ServerTLSConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	tlsAddr := startInterop(t, false, server.TLS(cfg))
	refused := testsvc.ClosedAddr(t)
	ca := testsvc.CertFile(t, "ca.pem")

	for _, tc := range []struct {
		name   string
		args   []string
		want   []string
		unwant []string
	}{
		{"connection refused", []string{"-plaintext", refused},
			[]string{"connection refused by " + refused, "nothing listens at " + refused + ": is the server running"}, []string{"TLS", "plaintext"}},
		{"TLS to a cleartext port", []string{clear},
			[]string{"cleartext port", "add -plaintext"}, []string{"client.WithTLS"}},
		{"cleartext to a TLS port", []string{"-plaintext", tlsAddr},
			[]string{"leave -plaintext out"}, []string{"client.WithTLS"}},
		{"untrusted certificate", []string{tlsAddr},
			[]string{"no trusted CA signed it", "-cacert FILE trusts the CA"}, []string{"RootCAs"}},
		{"wrong name", []string{"-cacert", ca, "-servername", "example.com", tlsAddr},
			[]string{"it is for other names", "-servername NAME checks another name"}, []string{"ServerName"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := grpcwire(t, "", append([]string{"call"}, append(tc.args, "grpc.testing.TestService/EmptyCall")...)...)
			expect(t, r, exitUsage, tc.want...)
			for _, u := range tc.unwant {
				if strings.Contains(r.stderr, u) {
					t.Errorf("the output names %q:\n%s", u, r)
				}
			}
		})
	}
}
