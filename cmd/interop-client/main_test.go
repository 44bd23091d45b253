package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/interop"
	"grpcwire/server"
)

// runMainEnv makes the test binary run the program's main instead of the
// tests, so that the tests run the real program, flags and exit code.
const runMainEnv = "GRPCWIRE_INTEROP_CLIENT_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"interop-client"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runProgram runs the program with args and returns its exit code and
// stderr.
func runProgram(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatalf("interop-client %v: %v", args, err)
	}
	return 0, stderr.String()
}

// startInterop serves grpcwire's TestService on a loopback port, over
// TLS with the built-in test certificate when useTLS.
func startInterop(t *testing.T, useTLS bool) string {
	t.Helper()
	var opts []server.Option
	if useTLS {
		cfg, err := interop.ServerTLSConfig("", "")
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, server.TLS(cfg))
	}
	s := server.New(opts...)
	(&interop.TestServer{}).Register(s)
	return testsvc.Serve(t, s)
}

// TestConnectHints runs a case against servers it cannot use: the one line
// of the failure says why in plain words and what to change in grpc-go's
// interop flags, never a Go API name.
func TestConnectHints(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	refused := testsvc.ClosedAddr(t)
	clear := startInterop(t, false)
	tlsAddr := startInterop(t, true)
	port := func(addr string) string {
		_, p, _ := net.SplitHostPort(addr)
		return p
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"passes", []string{"--server_port=" + port(tlsAddr), "--use_tls", "--use_test_ca", "--server_host_override=foo.test.google.fr"}, nil},
		{"connection refused", []string{"--server_port=" + port(refused)},
			[]string{"connection refused by localhost:" + port(refused), "is the interop server running at --server_host and --server_port?"}},
		{"TLS to a cleartext port", []string{"--server_port=" + port(clear), "--use_tls", "--use_test_ca"},
			[]string{"cleartext port", "leave out --use_tls"}},
		{"cleartext to a TLS port", []string{"--server_port=" + port(tlsAddr)},
			[]string{"add --use_tls (and --use_test_ca"}},
		{"untrusted certificate", []string{"--server_port=" + port(tlsAddr), "--use_tls"},
			[]string{"no trusted CA signed it", "--use_test_ca trusts grpcwire's test CA"}},
		{"wrong name", []string{"--server_port=" + port(tlsAddr), "--use_tls", "--use_test_ca", "--server_host_override=example.com"},
			[]string{"it is for other names", "--server_host_override NAME"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runProgram(t, append(tc.args, "--server_host=localhost", "--test_case=empty_unary")...)
			if tc.want == nil {
				if code != 0 {
					t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
				}
				return
			}
			if code != 1 || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 1 and one line", code, stderr)
			}
			for _, w := range append(tc.want, "empty_unary FAILED: ") {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			for _, api := range []string{"client.", "tls.Config", "WithTLS", "RootCAs"} {
				if strings.Contains(stderr, api) {
					t.Errorf("stderr names the Go API %q:\n%s", api, stderr)
				}
			}
		})
	}
}
