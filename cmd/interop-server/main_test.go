package main

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/interop"
	"grpcwire/interop/grpc_testing"
	"grpcwire/wire"
)

// runMainEnv makes the test binary run the program's main instead of the
// tests, so that the tests run the real program with its flags.
const runMainEnv = "GRPCWIRE_INTEROP_SERVER_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"interop-server"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testTimeout bounds every wait of these tests.
const testTimeout = 30 * time.Second

// listening is the line the program prints once it accepts calls.
var listening = regexp.MustCompile(`^interop-server: listening on (\S+)`)

// startProgram starts the program with args on a free loopback port and
// returns its address and a function that stops it with SIGTERM and
// returns its stderr.
func startProgram(t *testing.T, args ...string) (addr string, stop func() string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--host=127.0.0.1", "--port=0"}, args...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &testio.Buffer{} // written by the exec package's copying goroutine
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
		done <- cmd.Wait()
	}()
	var once sync.Once
	stop = func() string {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("interop-server after SIGTERM: %v; stderr:\n%s", err, stderr)
				}
			case <-time.After(testTimeout):
				_ = cmd.Process.Kill()
				<-done
				t.Errorf("interop-server did not stop within %v of SIGTERM", testTimeout)
			}
		})
		return stderr.String()
	}
	t.Cleanup(func() { stop() })
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("interop-server exited before listening: %v; stderr:\n%s", err, stderr)
	case <-time.After(testTimeout):
		t.Fatalf("interop-server did not listen within %v", testTimeout)
	}
	return addr, stop
}

// TestRefusedConnectionsLogged: with --use_tls, real clients that cannot
// be served are refused and logged at the default level, info, saying what
// they did: grpcwire's client speaking cleartext to the TLS port, and Go's
// net/http client speaking HTTP/1.1 over TLS; a TLS client's call works.
// --log-level=warn logs neither.
func TestRefusedConnectionsLogged(t *testing.T) {
	for _, level := range []string{"", "warn"} {
		t.Run("log-level="+level, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			args := []string{"--use_tls"}
			if level != "" {
				args = append(args, "--log-level="+level)
			}
			addr, stop := startProgram(t, args...)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()

			tlsCfg, err := interop.ClientTLSConfig(true, "", "")
			if err != nil {
				t.Fatal(err)
			}
			cc, err := client.Dial(addr, client.WithTLS(tlsCfg))
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			if _, err := grpc_testing.NewTestServiceClient(cc).EmptyCall(ctx, &grpc_testing.Empty{}); err != nil {
				t.Fatalf("EmptyCall over TLS: %v", err)
			}

			clear, err := client.Dial(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer clear.Close()
			if _, err := grpc_testing.NewTestServiceClient(clear).EmptyCall(ctx, &grpc_testing.Empty{}); wire.CodeOf(err) != wire.Unavailable {
				t.Errorf("a cleartext call to the TLS port: %v, want UNAVAILABLE", err)
			}

			tlsCfg.NextProtos = []string{"http/1.1"}
			hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
			defer hc.CloseIdleConnections()
			if res, err := hc.Get("https://" + addr + "/"); err == nil {
				res.Body.Close()
				t.Errorf("an HTTP/1.1 request over TLS got %s, want the connection closed", res.Status)
			}

			logged := stop()
			for _, want := range []string{
				"level=INFO msg=\"grpcwire: TLS handshake failed: the client did not start TLS",
				"level=INFO msg=\"grpcwire: closing TLS connection that did not negotiate ALPN h2; gRPC needs HTTP/2\"",
			} {
				if got := strings.Contains(logged, want); got != (level == "") {
					t.Errorf("--log-level=%q: logged %q: %v, want %v; stderr:\n%s", level, want, got, level == "", logged)
				}
			}
		})
	}
}

// TestBadLogLevel: a level slog does not know is a usage error, naming the
// flag.
func TestBadLogLevel(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--log-level=loud")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "log-level") {
		t.Errorf("--log-level=loud: %v, output %q; want exit 2 naming the flag", err, out)
	}
}
