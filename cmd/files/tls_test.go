package main

import (
	"crypto/tls"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"grpcwire/filesvc"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// tlsServerOption serves the repository's test certificate (for localhost
// and 127.0.0.1, signed by interop/testdata/ca.pem), as files-server
// -tls-cert serves it.
func tlsServerOption(t *testing.T) server.Option {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(testsvc.CertFile(t, "server1.pem"), testsvc.CertFile(t, "server1.key"))
	if err != nil {
		t.Fatal(err)
	}
	return server.TLS(&tls.Config{Certificates: []tls.Certificate{cert}})
}

// TestTLS moves a file both ways over real loopback TLS: -tls-ca (with or
// without -tls) trusts the test CA, the certificate is checked against the
// -addr's host (127.0.0.1, localhost) or -tls-server-name.
func TestTLS(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv := startServer(t, "", tlsServerOption(t))
	_, port, _ := net.SplitHostPort(srv.addr)
	ca := testsvc.CertFile(t, "ca.pem")
	local := t.TempDir()
	src := randomFile(t, local, "photo.jpg", 3*filesvc.ChunkSize+2, 7)
	sum := fileSum(t, src)
	for i, tc := range []struct {
		addr  string
		flags []string
	}{
		{srv.addr, []string{"-tls-ca", ca}},
		{srv.addr, []string{"-tls", "-tls-ca", ca}},
		{"localhost:" + port, []string{"-tls-ca", ca}},
		{srv.addr, []string{"-tls-ca", ca, "-tls-server-name", "foo.test.google.fr"}},
	} {
		code, _, stderr := cli(t, tc.addr, false, append(tc.flags, "put", src)...)
		if code != 0 || !strings.HasSuffix(stderr, "sha256 "+sum+"\n") {
			t.Fatalf("%s put over TLS: exit %d\n%s", tc.flags, code, stderr)
		}
		sameFile(t, src, filepath.Join(srv.dir, "photo.jpg"))
		out := filepath.Join(local, "back"+string(rune('0'+i)))
		code, _, stderr = cli(t, tc.addr, false, append(tc.flags, "get", "photo.jpg", out)...)
		if code != 0 {
			t.Fatalf("%s get over TLS: exit %d\n%s", tc.flags, code, stderr)
		}
		sameFile(t, src, out)
		code, stdout, stderr := cli(t, tc.addr, false, append(tc.flags, "ls")...)
		if code != 0 || !strings.Contains(stdout, "photo.jpg") {
			t.Errorf("%s ls over TLS: exit %d\n%s%s", tc.flags, code, stdout, stderr)
		}
	}
	code, _, stderr := cli(t, srv.addr, false, "-tls-ca", src, "ls")
	if code != 2 || !strings.Contains(stderr, "-tls-ca: "+src+" holds no PEM certificate") {
		t.Errorf("-tls-ca of a file that is no certificate: exit %d\n%s", code, stderr)
	}
}

// TestConnectHints: when the server cannot be reached, the command exits 2
// and says why in plain words, then what to change in its own flags, never
// naming a Go API.
func TestConnectHints(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	refused := testsvc.ClosedAddr(t)
	clear := startServer(t, "").addr
	tlsAddr := startServer(t, "", tlsServerOption(t)).addr
	ca := testsvc.CertFile(t, "ca.pem")
	for _, tc := range []struct {
		name string
		addr string
		args []string
		want []string
	}{
		{"connection refused", refused, nil,
			[]string{"connection refused by " + refused, "is files-server running (go run ./cmd/files-server)? -addr gives another address"}},
		{"TLS to a cleartext port", clear, []string{"-tls"}, []string{"cleartext port", "leave out -tls"}},
		{"cleartext to a TLS port", tlsAddr, nil, []string{"(files-server -tls-cert), add -tls, and -tls-ca FILE"}},
		{"untrusted certificate", tlsAddr, []string{"-tls"}, []string{"no trusted CA signed it", "-tls-ca FILE trusts the CA"}},
		{"wrong name", tlsAddr, []string{"-tls-ca", ca, "-tls-server-name", "example.com"}, []string{"it is for other names", "-tls-server-name NAME"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, tc.addr, false, append(tc.args, "ls")...)
			if code != 2 || !strings.Contains(stderr, "files ls: the connection to the server at "+tc.addr+" (-addr) failed: ") {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("the output lacks %q:\n%s", w, stderr)
				}
			}
			for _, api := range []string{"client.", "tls.Config", "WithTLS", "RootCAs"} {
				if strings.Contains(stderr, api) {
					t.Errorf("the output names the Go API %q:\n%s", api, stderr)
				}
			}
		})
	}
}
