package tlsflags_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"grpcwire/client"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/internal/tlsflags"
	"grpcwire/wire"
)

// TestServerConfig: neither file is cleartext, both a certificate, one of
// them or files that are not a certificate and its key an error naming the
// flags.
func TestServerConfig(t *testing.T) {
	cert, key, ca := testsvc.CertFile(t, "server1.pem"), testsvc.CertFile(t, "server1.key"), testsvc.CertFile(t, "ca.pem")
	if tc, err := (tlsflags.Server{}).Config(); tc != nil || err != nil {
		t.Errorf("no flags: %v, %v; want nil, nil (cleartext)", tc, err)
	}
	tc, err := tlsflags.Server{CertFile: cert, KeyFile: key}.Config()
	if err != nil || tc == nil || len(tc.Certificates) != 1 {
		t.Errorf("-tls-cert and -tls-key: %v, %v; want one certificate", tc, err)
	}
	for _, tc := range []struct {
		flags tlsflags.Server
		want  string
	}{
		{tlsflags.Server{CertFile: cert}, "-tls-cert and -tls-key go together"},
		{tlsflags.Server{KeyFile: key}, "-tls-cert and -tls-key go together"},
		{tlsflags.Server{CertFile: cert, KeyFile: ca}, "-tls-cert, -tls-key: "},
		{tlsflags.Server{CertFile: cert, KeyFile: filepath.Join(t.TempDir(), "missing")}, "-tls-cert, -tls-key: "},
	} {
		if _, err := tc.flags.Config(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error containing %q", tc.flags, err, tc.want)
		}
	}
}

// TestClientConfig: any of the three flags turns TLS on; -tls-ca's
// certificates are the roots, -tls-server-name the name checked; a CA file
// that is missing or holds no certificate is an error naming -tls-ca.
func TestClientConfig(t *testing.T) {
	for _, c := range []tlsflags.Client{{TLS: true}, {CAFile: "x"}, {ServerName: "x"}} {
		if !c.Enabled() {
			t.Errorf("%+v does not turn TLS on", c)
		}
	}
	if (tlsflags.Client{}).Enabled() {
		t.Error("no flags turned TLS on")
	}
	tc, err := tlsflags.Client{CAFile: testsvc.CertFile(t, "ca.pem"), ServerName: "example.com"}.Config()
	if err != nil || tc.RootCAs == nil || tc.ServerName != "example.com" {
		t.Errorf("-tls-ca and -tls-server-name: %+v, %v", tc, err)
	}
	if tc, err := (tlsflags.Client{TLS: true}).Config(); err != nil || tc.RootCAs != nil {
		t.Errorf("-tls alone: %+v, %v; want the system's roots (RootCAs nil)", tc, err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
	for file, want := range map[string]string{
		notPEM:                                "-tls-ca: " + notPEM + " holds no PEM certificate",
		filepath.Join(t.TempDir(), "missing"): "-tls-ca: ",
	} {
		if _, err := (tlsflags.Client{CAFile: file}).Config(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-tls-ca %s: %v, want %q", file, err, want)
		}
	}
}

// TestRegister: the flags have the names the programs document.
func TestRegister(t *testing.T) {
	fs := flag.NewFlagSet("p", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var s tlsflags.Server
	var c tlsflags.Client
	s.Register(fs)
	c.Register(fs)
	err := fs.Parse([]string{"-tls-cert", "c.pem", "-tls-key", "k.pem", "-tls", "-tls-ca", "ca.pem", "-tls-server-name", "n"})
	if err != nil || s != (tlsflags.Server{CertFile: "c.pem", KeyFile: "k.pem"}) || c != (tlsflags.Client{TLS: true, CAFile: "ca.pem", ServerName: "n"}) {
		t.Errorf("parsed %+v %+v, %v", s, c, err)
	}
}

// TestHint walks every connect reason: the hint names the program's flags
// or its server, never a Go API, and only failures to connect get one.
func TestHint(t *testing.T) {
	want := map[client.ConnectReason]string{
		client.ReasonDNS:              "check the host name in -addr h:1",
		client.ReasonRefused:          "is files-server running (go run ./cmd/files-server)? -addr gives another address",
		client.ReasonNotTLS:           "leave out -tls",
		client.ReasonUnknownAuthority: "-tls-ca FILE",
		client.ReasonWrongName:        "-tls-server-name NAME",
		client.ReasonNoHTTP2:          "not a gRPC server",
		client.ReasonHTTP1:            "(files-server -tls-cert), add -tls",
		client.ReasonNotHTTP2:         "(files-server -tls-cert), add -tls",
		client.ReasonClosedEarly:      "(files-server -tls-cert), add -tls",
		client.ReasonNoSettings:       "(files-server -tls-cert), add -tls",
	}
	for r := client.ReasonOther; r <= client.ReasonNoSettings; r++ {
		err := wire.Errorf(wire.Unavailable, "cannot connect: %w", &client.ConnectError{Target: "h:1", Reason: r})
		got := tlsflags.Client{}.Hint(err, "h:1", "files-server")
		if !strings.Contains(got, want[r]) || (want[r] == "") != (got == "") {
			t.Errorf("%v: hint %q, want one containing %q", r, got, want[r])
		}
		for _, api := range []string{"client.", "tls.Config", "WithTLS", "RootCAs"} {
			if strings.Contains(got, api) {
				t.Errorf("%v: the hint %q names the Go API %q", r, got, api)
			}
		}
		if r == client.ReasonHTTP1 {
			if got := (tlsflags.Client{TLS: true}).Hint(err, "h:1", "files-server"); got != "" {
				t.Errorf("an HTTP/1.1 server with -tls given: hint %q, want none (adding -tls would not help)", got)
			}
		}
	}
	if got := (tlsflags.Client{}).Hint(wire.Errorf(wire.NotFound, "no file"), "h:1", "files-server"); got != "" {
		t.Errorf("a status from the server got the hint %q", got)
	}
	if got := (tlsflags.Client{}).Hint(nil, "h:1", "files-server"); got != "" {
		t.Errorf("no error got the hint %q", got)
	}
}
