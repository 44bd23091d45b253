package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"grpcwire/client"
	"grpcwire/filespb"
	"grpcwire/health/grpc_health_v1"
	"grpcwire/internal/testkit/h2test"
)

// testTimeout bounds every wait of these tests.
const testTimeout = 10 * time.Second

// lines is a writer that keeps what it is given.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor polls until a line starting with prefix has been written and
// returns the rest of it: the program signals nothing but its output.
func (l *lines) waitFor(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		for line := range strings.Lines(l.String()) {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				return strings.TrimSpace(rest)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no line starting %q within %v; got:\n%s", prefix, testTimeout, l.String())
	return ""
}

// TestServe runs the program on a directory it creates: it names its
// address, stores an upload there, answers health checks, and stops
// gracefully with the interrupt.
func TestServe(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	dir := filepath.Join(t.TempDir(), "new", "store")
	cfg, err := parseFlags(flag.NewFlagSet("files-server", flag.ContinueOnError), []string{"-addr", "127.0.0.1:0", "-dir", dir, "-trace", "-trace-times=false"})
	if err != nil {
		t.Fatal(err)
	}
	var stderr lines
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, &stderr) }()
	addr := stderr.waitFor(t, "files-server: listening on ")

	cc, err := client.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), testTimeout)
	defer ccancel()
	files := filespb.NewFilesClient(cc)
	up, err := files.Upload(cctx)
	if err != nil {
		t.Fatal(err)
	}
	up.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "hello.txt", Size: 5}}})
	up.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: []byte("hello")}})
	if _, err := up.CloseAndRecv(); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "hello.txt")); err != nil || string(b) != "hello" {
		t.Errorf("the stored file: %q, %v", b, err)
	}
	hc, err := grpc_health_v1.NewHealthClient(cc).Check(cctx, &grpc_health_v1.HealthCheckRequest{Service: filespb.Files_ServiceName})
	if err != nil || hc.GetStatus() != grpc_health_v1.HealthCheckResponse_SERVING {
		t.Errorf("health of %s: %v, %v", filespb.Files_ServiceName, hc, err)
	}
	cc.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after the interrupt: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("run did not return after the interrupt")
	}
	out := stderr.String()
	for _, want := range []string{"files-server: serving the files of " + dir, ":path = /files.Files/Upload", "files-server: stopping"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
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
