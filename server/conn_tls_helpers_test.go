package server_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"grpcwire/internal/testkit/testsvc"
)

// logBuffer collects a server's slog output so that a test can check that a
// connection problem was logged in words a person can act on.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logger returns a logger writing every level into b.
func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitFor waits (up to testsvc.Timeout) until the log has a line containing
// every one of want, and returns that line; it fails the test with the
// whole log otherwise.
func (b *logBuffer) waitFor(t testing.TB, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(testsvc.Timeout)
	for {
		for _, line := range strings.Split(b.String(), "\n") {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(line, w)
			}
			if ok && line != "" {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line contains all of %q; the log:\n%s", want, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testPKI and newTestPKI name the shared test PKI (internal/testkit/testsvc) as
// this package's tests know it.
type testPKI = testsvc.PKI

func newTestPKI(t testing.TB, ips bool, names ...string) *testPKI {
	return testsvc.NewPKI(t, ips, names...)
}
