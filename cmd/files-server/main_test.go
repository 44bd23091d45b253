package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grpcwire/client"
	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/health/grpc_health_v1"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// testTimeout bounds every wait of these tests.
const testTimeout = 10 * time.Second

// startProgram runs the program's run with the command line args on a
// free loopback port (unless args give -addr) and returns its address, its
// stderr, and a function that stops it as Ctrl-C does and returns run's
// error; the test's cleanup stops it too.
func startProgram(t *testing.T, args ...string) (addr string, stderr *testio.Buffer, stop func() error) {
	t.Helper()
	cfg, err := parseFlags(flag.NewFlagSet("files-server", flag.ContinueOnError), append([]string{"-addr", "127.0.0.1:0"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	stderr = &testio.Buffer{}
	stop, _ = testsvc.Background(t, func(ctx context.Context) error { return run(ctx, cfg, stderr) })
	addr = stderr.WaitForPrefix(t, "files-server: listening on ")
	return addr, stderr, stop
}

// upload stores hello.txt through conn.
func upload(t *testing.T, conn *client.Conn) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	up, err := filespb.NewFilesClient(conn).Upload(ctx)
	if err != nil {
		return err
	}
	up.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "hello.txt", Size: 5}}})
	up.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: []byte("hello")}})
	_, err = up.CloseAndRecv()
	return err
}

// TestServe runs the program on a directory it creates: it names its
// address, stores an upload there, answers health checks, and stops
// gracefully with the interrupt.
func TestServe(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	dir := filepath.Join(t.TempDir(), "new", "store")
	addr, stderr, stop := startProgram(t, "-dir", dir, "-trace", "-trace-times=false")
	cc := testsvc.Dial(t, addr)
	if err := upload(t, cc); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "hello.txt")); err != nil || string(b) != "hello" {
		t.Errorf("the stored file: %q, %v", b, err)
	}
	cctx, ccancel := context.WithTimeout(context.Background(), testTimeout)
	defer ccancel()
	hc, err := grpc_health_v1.NewHealthClient(cc).Check(cctx, &grpc_health_v1.HealthCheckRequest{Service: filespb.Files_ServiceName})
	if err != nil || hc.GetStatus() != grpc_health_v1.HealthCheckResponse_SERVING {
		t.Errorf("health of %s: %v, %v", filespb.Files_ServiceName, hc, err)
	}
	cc.Close()

	if err := stop(); err != nil {
		t.Fatalf("run after the interrupt: %v", err)
	}
	out := stderr.String()
	for _, want := range []string{"files-server: serving the files of " + dir, ":path = /files.Files/Upload", "files-server: stopping"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
}

// TestTLS serves TLS with -tls-cert and -tls-key, the repository's test
// certificate: a TLS client trusting its CA uploads a file; a cleartext
// client is refused, and the refusal is logged at the default level, info,
// naming what the client did wrong, but not with -log-level warn.
func TestTLS(t *testing.T) {
	for _, level := range []string{"info", "warn"} {
		t.Run(level, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			dir := t.TempDir()
			addr, stderr, stop := startProgram(t, "-dir", dir, "-log-level", level,
				"-tls-cert", testsvc.CertFile(t, "server1.pem"), "-tls-key", testsvc.CertFile(t, "server1.key"))
			if err := upload(t, testsvc.Dial(t, addr, client.WithTLS(&tls.Config{RootCAs: testsvc.CertPool(t)}))); err != nil {
				t.Fatalf("upload over TLS: %v", err)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "hello.txt")); err != nil || string(b) != "hello" {
				t.Errorf("the file uploaded over TLS: %q, %v", b, err)
			}
			if err := upload(t, testsvc.Dial(t, addr)); wire.CodeOf(err) != wire.Unavailable {
				t.Errorf("a cleartext upload to the TLS port: %v, want UNAVAILABLE", err)
			}
			const refused = `level=INFO msg="grpcwire: TLS handshake failed: the client did not start TLS`
			if level == "info" {
				stderr.WaitFor(t, refused)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(stderr.String(), refused); got != (level == "info") {
				t.Errorf("-log-level %s: the refused connection logged: %v; stderr:\n%s", level, got, stderr.String())
			}
		})
	}
}

// TestFlagErrors: -tls-cert without -tls-key, and a -log-level that is not
// one, are refused with the flag named, before anything listens.
func TestFlagErrors(t *testing.T) {
	cfg, err := parseFlags(flag.NewFlagSet("files-server", flag.ContinueOnError), []string{"-addr", "127.0.0.1:0", "-dir", t.TempDir(), "-tls-cert", testsvc.CertFile(t, "server1.pem")})
	if err != nil {
		t.Fatal(err)
	}
	var stderr testio.Buffer
	if err := run(context.Background(), cfg, &stderr); err == nil || !strings.Contains(err.Error(), "-tls-cert and -tls-key go together") {
		t.Errorf("-tls-cert alone: %v, want both flags named", err)
	}
	if strings.Contains(stderr.String(), "listening") {
		t.Errorf("it listened with a flag error:\n%s", stderr.String())
	}
	fs := flag.NewFlagSet("files-server", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	if _, err := parseFlags(fs, []string{"-log-level", "loud"}); err == nil || !strings.Contains(out.String(), "-log-level") {
		t.Errorf("-log-level loud: %v, output %q", err, out.String())
	}
}

// TestUsage: arguments other than flags are refused.
func TestUsage(t *testing.T) {
	fs := flag.NewFlagSet("files-server", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	if _, err := parseFlags(fs, []string{"extra"}); err == nil || !strings.Contains(out.String(), "takes only flags") {
		t.Errorf("parseFlags with an argument: %v, output %q", err, out.String())
	}
	fs = flag.NewFlagSet("files-server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := parseFlags(fs, []string{"-nope"}); err == nil {
		t.Error("parseFlags accepted an unknown flag")
	}
}

// TestBadDir: a directory that cannot be served is an error naming it.
func TestBadDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	err := run(context.Background(), config{addr: "127.0.0.1:0", dir: file}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("run on a file: %v", err)
	}
}

// TestPartialTTL: the program removes, as it starts, an interrupted upload
// last written longer ago than -partial-ttl (24h by default), logs it at
// info, and keeps a younger one.
func TestPartialTTL(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cfg, err := parseFlags(flag.NewFlagSet("files-server", flag.ContinueOnError), nil)
	if err != nil || cfg.partialTTL != 24*time.Hour {
		t.Fatalf("the default -partial-ttl: %v, %v; want 24h", cfg.partialTTL, err)
	}
	dir := t.TempDir()
	store, err := filesvc.OpenStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"old.bin", "young.bin"} {
		up, err := store.BeginUpload(&filespb.UploadHeader{Name: name, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		up.Write([]byte("12345"))
		up.Abandon(true)
	}
	store.Close()
	partial := filepath.Join(dir, filesvc.ReservedName, "partial")
	old := time.Now().Add(-2 * time.Hour)
	young := time.Now().Add(-30 * time.Minute)
	entries, err := os.ReadDir(partial)
	if err != nil || len(entries) != 4 {
		t.Fatalf("the two interrupted uploads' files: %v, %v", entries, err)
	}
	oldKey := fmt.Sprintf("%x", sha256.Sum256([]byte("old.bin")))
	for _, e := range entries {
		when := young
		if strings.HasPrefix(e.Name(), oldKey) {
			when = old
		}
		if err := os.Chtimes(filepath.Join(partial, e.Name()), when, when); err != nil {
			t.Fatal(err)
		}
	}

	addr, stderr, stop := startProgram(t, "-dir", dir, "-partial-ttl", "1h")
	stderr.WaitFor(t, `level=INFO msg="files: removed an expired upload" name=old.bin committed=5`)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	files := filespb.NewFilesClient(testsvc.Dial(t, addr))
	if _, err := files.Stat(ctx, &filespb.StatRequest{Name: "old.bin"}); wire.CodeOf(err) != wire.NotFound {
		t.Errorf("Stat of the expired upload: %v, want NOT_FOUND", err)
	}
	if fi, err := files.Stat(ctx, &filespb.StatRequest{Name: "young.bin"}); err != nil || fi.GetUploadCommitted() != 5 {
		t.Errorf("Stat of the younger upload: %v, %v; want 5 bytes committed", fi, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(partial); len(entries) != 2 {
		t.Errorf("after the start, %d files under %s, want the younger upload's 2", len(entries), partial)
	}
}
