package main

import (
	"path/filepath"
	"testing"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/interop"
	"grpcwire/server"
)

// TestTLS lists the services of the interop server over TLS with its test
// certificate (for *.test.google.fr), trusted through -cacert and
// -servername or not verified with -insecure-skip-verify, and names the
// problem when the certificate is not trusted or the security does not
// match.
func TestTLS(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cfg, err := interop.ServerTLSConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	addr := startInterop(t, false, server.TLS(cfg))
	ca := testsvc.CertFile(t, "ca.pem")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"-cacert and -servername", []string{"-cacert", ca, "-servername", interop.TestServerHostOverride, addr}, exitOK, "grpc.testing.TestService\n"},
		{"-insecure-skip-verify", []string{"-insecure-skip-verify", addr}, exitOK, "grpc.testing.TestService\n"},
		{"untrusted certificate", []string{addr}, exitUsage, "14 UNAVAILABLE: grpcwire: cannot connect: "},
		{"wrong name", []string{"-cacert", ca, "-servername", "example.com", addr}, exitUsage, "14 UNAVAILABLE: grpcwire: cannot connect: "},
		{"cleartext to TLS", []string{"-plaintext", addr}, exitUsage, "14 UNAVAILABLE: grpcwire: cannot connect: "},
		{"-cacert without a certificate", []string{"-cacert", filepath.Join(repoRoot(t), "users.proto"), addr}, exitUsage, "holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, grpcwire(t, "", append([]string{"list"}, tc.args...)...), tc.code, tc.want)
		})
	}
	// A call over TLS, traced: the trace shows :scheme https.
	r := grpcwire(t, "", "call", "-insecure-skip-verify", "-trace", addr, "grpc.testing.TestService/EmptyCall")
	expect(t, r, exitOK, "{}\n", ":scheme = https\n")
}
