package main

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"grpcwire/filesvc"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// testTimeout bounds every command a test runs; far above what any of
// these transfers takes on a loaded machine.
const testTimeout = 60 * time.Second

// filesServer is a files service served in-process on loopback.
type filesServer struct {
	addr  string
	dir   string
	store *filesvc.Store
	svc   *filesvc.Service
}

// startServer serves a Store on dir (a new temporary directory when empty)
// on loopback until the end of the test, with the options files-server
// uses.
func startServer(t testing.TB, dir string, opts ...server.Option) *filesServer {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	store, err := filesvc.OpenStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := filesvc.NewService(store, nil)
	s := server.New(append(filesvc.ServerOptions(), opts...)...)
	svc.Register(s)
	return &filesServer{addr: testsvc.Serve(t, s), dir: dir, store: store, svc: svc}
}

// cli runs the command line args against addr, with stderr a terminal or
// not, and returns the exit code and what it wrote.
func cli(t testing.TB, addr string, terminal bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var out, errOut testio.Buffer
	code = run(ctx, append([]string{"-addr", addr}, args...), &stdio{out: &out, err: &errOut, errIsTerminal: terminal})
	return code, out.String(), errOut.String()
}

// randomFile writes n pseudo-random bytes (seeded by seed) to a file under
// dir and returns its path.
func randomFile(t testing.TB, dir, name string, n int64, seed uint64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)})
	buf := make([]byte, 1<<20)
	for left := n; left > 0; {
		k := min(int64(len(buf)), left)
		r.Read(buf[:k])
		if _, err := f.Write(buf[:k]); err != nil {
			t.Fatal(err)
		}
		left -= k
	}
	return path
}

// fastDir is a directory for large benchmark files: under /dev/shm (memory)
// when there is one, so that the disk does not set the pace.
func fastDir(b testing.TB) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "files-bench-")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}
