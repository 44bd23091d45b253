package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// fileSum is the hex SHA-256 of a file.
func fileSum(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// sameFile fails the test unless the two files hold the same bytes.
func sameFile(t testing.TB, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Fatalf("%s (%d bytes) and %s (%d bytes) differ", a, len(x), b, len(y))
	}
}

// TestPutGet moves files of the sizes where chunking has edges up and down
// with the command, and checks the bytes, the SHA-256 the final lines give,
// ls and stat.
func TestPutGet(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv := startServer(t, "")
	local := t.TempDir()
	for i, n := range []int64{0, 1, filesvc.ChunkSize - 1, filesvc.ChunkSize + 1, 3*filesvc.ChunkSize + 5} {
		name := fmt.Sprintf("f%d.bin", n)
		src := randomFile(t, local, name, n, uint64(i))
		sum := fileSum(t, src)
		code, _, stderr := cli(t, srv.addr, false, "put", src)
		if code != 0 {
			t.Fatalf("put %d bytes: exit %d\n%s", n, code, stderr)
		}
		if want := fmt.Sprintf("files: uploaded %s: %d bytes in ", name, n); !strings.HasPrefix(stderr, want) || !strings.HasSuffix(stderr, "sha256 "+sum+"\n") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("put's output:\n%q\nwant one line %q ... sha256 %s", stderr, want, sum)
		}
		sameFile(t, src, filepath.Join(srv.dir, name))

		out := filepath.Join(local, name+".back")
		code, _, stderr = cli(t, srv.addr, false, "get", name, out)
		if code != 0 {
			t.Fatalf("get %d bytes: exit %d\n%s", n, code, stderr)
		}
		if !strings.HasPrefix(stderr, "files: downloaded "+name) || !strings.HasSuffix(stderr, "sha256 "+sum+"\n") {
			t.Errorf("get's output: %q", stderr)
		}
		sameFile(t, src, out)
		if _, err := os.Stat(out + partSuffix); !os.IsNotExist(err) {
			t.Errorf("get left %s%s: %v", out, partSuffix, err)
		}

		code, stdout, stderr := cli(t, srv.addr, false, "stat", name)
		if code != 0 || !strings.Contains(stdout, fmt.Sprintf("size:      %d\n", n)) || !strings.Contains(stdout, "sha256:    "+sum+"\n") {
			t.Errorf("stat %s: exit %d\n%s%s", name, code, stdout, stderr)
		}
	}
	code, stdout, stderr := cli(t, srv.addr, false, "ls")
	if code != 0 || !regexp.MustCompile(`(?m)^f1\.bin +1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +[0-9a-f]{64}$`).MatchString(stdout) || strings.Count(stdout, "\n") != 6 {
		t.Errorf("ls: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestProgressBar: on a terminal, put and get draw the bar in place with
// the bytes, the percentage, the rate and the time left, then end it with a
// full bar and the final line.
func TestProgressBar(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv := startServer(t, "")
	src := randomFile(t, t.TempDir(), "movie.mp4", 2*filesvc.ChunkSize, 1)
	for _, args := range [][]string{{"put", src}, {"get", "movie.mp4", filepath.Join(t.TempDir(), "out")}} {
		code, _, stderr := cli(t, srv.addr, true, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%q", args[0], code, stderr)
		}
		bar := regexp.MustCompile(`\r` + args[0] + ` movie\.mp4  512\.0 KiB / 512\.0 KiB  100%  [0-9.]+ [kMG]?B/s  ETA [0-9.]+s  \[#{20}\]\x1b\[K\n`)
		if !bar.MatchString(stderr) {
			t.Errorf("%s: no full bar in %q", args[0], stderr)
		}
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "files: ") || !strings.Contains(last, "524288 bytes") {
			t.Errorf("%s: the last line is %q, want the final line", args[0], last)
		}
	}
}

// TestExitCodes: usage mistakes and a server that cannot be reached exit 2,
// a status from the server 1, each with a message saying what went wrong.
func TestExitCodes(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv := startServer(t, "")
	src := randomFile(t, t.TempDir(), "f", 10, 1)
	for _, tc := range []struct {
		addr string
		args []string
		code int
		says string
	}{
		{srv.addr, nil, 2, "no command"},
		{srv.addr, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{srv.addr, []string{"put"}, 2, "usage: files [flags] put"},
		{srv.addr, []string{"get", "a", "b", "c"}, 2, "usage: files [flags] get"},
		{srv.addr, []string{"stat"}, 2, "want one NAME"},
		{srv.addr, []string{"put", filepath.Join(t.TempDir(), "missing")}, 2, "cannot read the file to upload"},
		{srv.addr, []string{"put", t.TempDir()}, 2, "not a regular file"},
		{srv.addr, []string{"stat", "missing"}, 1, "5 NOT_FOUND"},
		{srv.addr, []string{"get", "missing", filepath.Join(t.TempDir(), "out")}, 1, "5 NOT_FOUND"},
		{srv.addr, []string{"put", src, "../escape"}, 1, "3 INVALID_ARGUMENT"},
		{"127.0.0.1:1", []string{"ls"}, 2, "the connection to the server at 127.0.0.1:1 (-addr) failed"},
		{srv.addr, []string{"help"}, 0, ""},
	} {
		code, stdout, stderr := cli(t, tc.addr, false, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.says) {
			t.Errorf("files %q: exit %d, stderr %q; want exit %d saying %q", tc.args, code, stderr, tc.code, tc.says)
		}
		if tc.code == 0 && !strings.Contains(stdout, "Usage:") {
			t.Errorf("files help: stdout %q", stdout)
		}
	}
	// A refused download writes nothing.
	out := filepath.Join(t.TempDir(), "out")
	for _, args := range [][]string{{"get", "missing", out}, {"get", "-resume", "missing", out}, {"get", "../bad", out}} {
		cli(t, srv.addr, false, args...)
		for _, p := range []string{out, out + partSuffix} {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("files %q created %s: %v", args, p, err)
			}
		}
	}
}

// TestResumePut cuts the connection in the middle of an upload: the command
// fails (exit 2, a connection problem), nothing is stored under the name,
// Stat shows the bytes committed, and put -resume sends the rest: the
// stored file is the original byte for byte, by SHA-256 too.
func TestResumePut(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv := startServer(t, "")
	var written testio.Counter // what the server wrote of the upload
	srv.store.SetWrapWriter(func(f io.Writer) io.Writer { return written.Writer(f) })
	src := randomFile(t, t.TempDir(), "video.mp4", 8*filesvc.ChunkSize+123, 5)
	cut := newCutProxy(t, srv.addr, 3*filesvc.ChunkSize, -1)
	code, _, stderr := cli(t, cut.addr(), false, "put", src)
	if code != 2 || !cut.wasCut() {
		t.Fatalf("put through a connection cut after %d bytes: exit %d (cut: %v)\n%s", 3*filesvc.ChunkSize, code, cut.wasCut(), stderr)
	}
	if _, err := os.Stat(filepath.Join(srv.dir, "video.mp4")); !os.IsNotExist(err) {
		t.Fatalf("an interrupted upload stored a file: %v", err)
	}
	// The server writes what it received before the cut, two whole chunks,
	// as its handler gets to it; then stat says so.
	written.WaitAtLeast(t, 2*filesvc.ChunkSize)
	code, stdout, stderr := cli(t, srv.addr, false, "stat", "video.mp4")
	m := regexp.MustCompile(`upload:    (\d+) of (\d+) bytes committed`).FindStringSubmatch(stdout)
	if code != 0 || m == nil || atoi(t, m[1]) < 2*filesvc.ChunkSize {
		t.Fatalf("stat after the server wrote %d bytes: exit %d\n%s%s", written.Load(), code, stdout, stderr)
	}
	code, _, stderr = cli(t, srv.addr, false, "put", "-resume", src)
	// The server may still have been writing what it had received when
	// stat asked; put -resume continues from what it committed by then.
	from := regexp.MustCompile(`continuing from byte (\d+)`).FindStringSubmatch(stderr)
	if code != 0 || from == nil || atoi(t, from[1]) < atoi(t, m[1]) {
		t.Fatalf("put -resume after stat said %s bytes were committed: exit %d\n%s", m[1], code, stderr)
	}
	sameFile(t, src, filepath.Join(srv.dir, "video.mp4"))
	if !strings.HasSuffix(stderr, "sha256 "+fileSum(t, src)+"\n") {
		t.Errorf("put -resume's final line does not give the file's SHA-256: %q", stderr)
	}
}

// TestResumeGet cuts the connection in the middle of a download: the
// command fails, OUT does not exist, OUT.part holds what came, and get
// -resume fetches the rest: OUT is the original byte for byte.
func TestResumeGet(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv := startServer(t, "")
	src := randomFile(t, srv.dir, "video.mp4", 8*filesvc.ChunkSize+123, 6)
	out := filepath.Join(t.TempDir(), "copy.mp4")
	cut := newCutProxy(t, srv.addr, -1, 3*filesvc.ChunkSize)
	code, _, stderr := cli(t, cut.addr(), false, "get", "video.mp4", out)
	if code != 2 || !cut.wasCut() || !strings.Contains(stderr, "files get -resume continues it") {
		t.Fatalf("get through a connection cut after %d bytes: exit %d (cut: %v)\n%s", 3*filesvc.ChunkSize, code, cut.wasCut(), stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("an interrupted download created %s: %v", out, err)
	}
	fi, err := os.Stat(out + partSuffix)
	if err != nil || fi.Size() == 0 {
		t.Fatalf("after the cut, %s%s: %v, %v", out, partSuffix, fi, err)
	}
	code, _, stderr = cli(t, srv.addr, false, "get", "-resume", "video.mp4", out)
	if code != 0 || !strings.Contains(stderr, fmt.Sprint("continuing from byte ", fi.Size())) {
		t.Fatalf("get -resume: exit %d\n%s", code, stderr)
	}
	sameFile(t, src, out)
}

// TestTrace: -trace prints the frames instead of the progress bar, the
// middle of each chunk's message summarised, with the flow control frames
// between; -trace-frames shows every frame.
func TestTrace(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	srv := startServer(t, "")
	// More than a stream window, so that the client waits for credit.
	src := randomFile(t, t.TempDir(), "f", filesvc.StreamWindow+2*filesvc.ChunkSize, 1)
	code, _, stderr := cli(t, srv.addr, true, "-trace", "-trace-times=false", "put", src)
	if code != 0 {
		t.Fatalf("put -trace: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"c1 -> HEADERS       stream=1 flags=END_HEADERS",
		":path = /files.Files/Upload",
		"files.UploadRequest\n        header {\n          name: \"f\"\n",
		fmt.Sprintf("Message-Length=%d files.UploadRequest  # 16379 bytes here, the rest follows", filesvc.ChunkSize+4),
		"c1 -> DATA          stream=1 len=16384 ×",
		"c1 <- WINDOW_UPDATE stream=1 len=4 increment=",
		"c1 -> GOAWAY",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the trace lacks %q", want)
		}
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("the progress bar was drawn with -trace")
	}
	code, _, all := cli(t, srv.addr, false, "-trace", "-trace-frames", "-trace-times=false", "put", src)
	if code != 0 || strings.Contains(all, "×") || strings.Count(all, "-> DATA") < (filesvc.StreamWindow+2*filesvc.ChunkSize)/16384 {
		t.Errorf("put -trace -trace-frames: exit %d, %d DATA frames shown", code, strings.Count(all, "-> DATA"))
	}
	if t.Failed() {
		t.Logf("the trace:\n%s", stderr)
	}
}

// TestGetChecksSHA256: a server whose bytes do not have the SHA-256 it
// announced (here, one that lies) makes get fail with exit 1 and remove
// what it wrote; OUT is never created.
func TestGetChecksSHA256(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s := server.New()
	s.Register(&server.ServiceDesc{Name: filespb.Files_ServiceName, Methods: []server.MethodDesc{
		server.ServerStreamingMethod("Download", func(req *filespb.DownloadRequest, st server.ServerStreamingServer[filespb.Chunk]) error {
			st.Send(&filespb.Chunk{Info: &filespb.FileInfo{Name: req.GetName(), Size: 3, Sha256: make([]byte, 32)}})
			return st.Send(&filespb.Chunk{Data: []byte("abc")})
		}),
	}})
	addr := testsvc.Serve(t, s)
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := cli(t, addr, false, "get", "f", out)
	if code != 1 || !strings.Contains(stderr, "not the server's") {
		t.Fatalf("get from a lying server: exit %d\n%s", code, stderr)
	}
	for _, p := range []string{out, out + partSuffix} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after a SHA-256 mismatch: %v", p, err)
		}
	}
}

// atoi reads a number the command printed.
func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
