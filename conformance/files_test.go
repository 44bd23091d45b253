package conformance

// The Files service of files.proto across the two stacks: grpc-go's client
// of it against grpcwire's files-server (the program), and grpcwire's files
// command against the service written on grpc-go (filesgo).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"grpcwire/conformance/filesgo"
	"grpcwire/conformance/filesgrpc"
	"grpcwire/filespb"
	"grpcwire/filesvc"
)

// filesListening is the line files-server prints once it accepts calls.
var filesListening = regexp.MustCompile(`files-server: listening on (\S+)`)

// startFilesServer runs grpcwire's files-server program on dir and returns
// its address.
func startFilesServer(t *testing.T, bin, dir string) string {
	t.Helper()
	p := startProc(t, "files-server", bin, "-addr", "127.0.0.1:0", "-dir", dir)
	return p.waitLine(t, filesListening)[1]
}

// randomData is n pseudo-random bytes from seed.
func randomData(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed)}).Read(b)
	return b
}

// goUpload uploads data as name with grpc-go's client, in chunks of
// filesvc.ChunkSize, from offset, the whole file's SHA-256 in the last
// message.
func goUpload(ctx context.Context, c filesgrpc.FilesClient, name string, data []byte, offset int64) (*filespb.FileInfo, error) {
	stream, err := c.Upload(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	msgs := []*filespb.UploadRequest{{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: name, Size: int64(len(data)), Offset: offset}}}}
	for off := int(offset); off < len(data); off += filesvc.ChunkSize {
		msgs = append(msgs, &filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: data[off:min(off+filesvc.ChunkSize, len(data))]}})
	}
	msgs = append(msgs, &filespb.UploadRequest{Part: &filespb.UploadRequest_Sha256{Sha256: sum[:]}})
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			if err == io.EOF {
				break
			}
			return nil, err
		}
	}
	return stream.CloseAndRecv()
}

// goDownload downloads name from offset with grpc-go's client.
func goDownload(ctx context.Context, c filesgrpc.FilesClient, name string, offset int64) (*filespb.FileInfo, []byte, error) {
	stream, err := c.Download(ctx, &filespb.DownloadRequest{Name: name, Offset: offset})
	if err != nil {
		return nil, nil, err
	}
	first, err := stream.Recv()
	if err != nil {
		return nil, nil, err
	}
	var data bytes.Buffer
	for {
		c, err := stream.Recv()
		if err == io.EOF {
			return first.GetInfo(), data.Bytes(), nil
		}
		if err != nil {
			return first.GetInfo(), data.Bytes(), err
		}
		data.Write(c.GetData())
	}
}

// TestFilesGrpcGoClientToGrpcwireServer: grpc-go's client of files.proto
// moves files of every edge size up and down through grpcwire's
// files-server, continues an interrupted upload from Stat's committed
// bytes, and gets the statuses of bad input.
func TestFilesGrpcGoClientToGrpcwireServer(t *testing.T) {
	checkNoLeaks(t)
	bins := buildGrpcwire(t, "files-server")
	dir := t.TempDir()
	addr := startFilesServer(t, bins["files-server"], dir)
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	c := filesgrpc.NewFilesClient(cc)
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()

	for i, n := range []int{0, 1, filesvc.ChunkSize - 1, filesvc.ChunkSize, filesvc.ChunkSize + 1, 4*filesvc.ChunkSize + 9} {
		name := fmt.Sprint("f", n)
		data := randomData(n, uint64(i))
		sum := sha256.Sum256(data)
		fi, err := goUpload(ctx, c, name, data, 0)
		if err != nil || fi.GetSize() != int64(n) || !bytes.Equal(fi.GetSha256(), sum[:]) {
			t.Fatalf("upload of %d bytes: %v, %v", n, fi, err)
		}
		if onDisk, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(onDisk, data) {
			t.Errorf("the stored file of %d bytes differs (%v)", n, err)
		}
		info, got, err := goDownload(ctx, c, name, 0)
		if err != nil || !bytes.Equal(got, data) || !bytes.Equal(info.GetSha256(), sum[:]) {
			t.Errorf("download of %d bytes: %d bytes, info %v, %v", n, len(got), info, err)
		}
		if n > 1 {
			if _, tail, err := goDownload(ctx, c, name, int64(n-1)); err != nil || !bytes.Equal(tail, data[n-1:]) {
				t.Errorf("download of the last byte of %d: %x, %v", n, tail, err)
			}
		}
	}
	res, err := c.List(ctx, &filespb.ListRequest{})
	if err != nil || len(res.GetFiles()) != 6 {
		t.Errorf("List: %v, %v", res, err)
	}

	// An upload cut short by the client, then continued.
	data := randomData(6*filesvc.ChunkSize, 42)
	cctx, ccancel := context.WithCancel(ctx)
	stream, err := c.Upload(cctx)
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "movie", Size: int64(len(data))}}})
	for i := range 3 {
		stream.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: data[i*filesvc.ChunkSize : (i+1)*filesvc.ChunkSize]}})
	}
	var committed int64
	for deadline := time.Now().Add(runTimeout); committed < 3*filesvc.ChunkSize; time.Sleep(5 * time.Millisecond) {
		st, err := c.Stat(ctx, &filespb.StatRequest{Name: "movie"})
		if err == nil {
			committed = st.GetUploadCommitted()
		}
		if time.Now().After(deadline) {
			t.Fatalf("Stat never showed the upload's 3 chunks committed: %v, %v", st, err)
		}
	}
	ccancel()
	for deadline := time.Now().Add(runTimeout); ; time.Sleep(5 * time.Millisecond) {
		_, err = goUpload(ctx, c, "movie", data, committed)
		if status.Code(err) != codes.Aborted || time.Now().After(deadline) {
			break // ABORTED while the server ends the cancelled call
		}
	}
	if err != nil {
		t.Fatalf("resume from %d: %v", committed, err)
	}
	if _, got, err := goDownload(ctx, c, "movie", 0); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the resumed upload: %d bytes, %v", len(got), err)
	}

	// Bad input.
	for _, tc := range []struct {
		what string
		err  error
		code codes.Code
	}{
		{"a name with ..", func() error { _, err := goUpload(ctx, c, "../x", []byte("x"), 0); return err }(), codes.InvalidArgument},
		{"an absolute name", func() error { _, err := c.Stat(ctx, &filespb.StatRequest{Name: "/etc/passwd"}); return err }(), codes.InvalidArgument},
		{"a missing file", func() error { _, _, err := goDownload(ctx, c, "missing", 0); return err }(), codes.NotFound},
		{"a wrong SHA-256", func() error {
			s, _ := c.Upload(ctx)
			s.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "g", Size: 1, Sha256: make([]byte, 32)}}})
			s.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: []byte("x")}})
			_, err := s.CloseAndRecv()
			return err
		}(), codes.DataLoss},
	} {
		if status.Code(tc.err) != tc.code {
			t.Errorf("%s: %v, want %v", tc.what, tc.err, tc.code)
		}
	}
}

// TestFilesCommandToGrpcGoServer: grpcwire's files command moves files up
// and down through the service written on grpc-go, lists and describes
// them, continues an interrupted download and an interrupted upload, and
// exits 1 with grpc-go's status for a missing file.
func TestFilesCommandToGrpcGoServer(t *testing.T) {
	checkNoLeaks(t)
	bins := buildGrpcwire(t, "files")
	store, err := filesvc.OpenStore(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	filesgo.New(store, 0).Register(g)
	go g.Serve(ln)
	defer g.Stop()
	addr := ln.Addr().String()
	files := func(args ...string) cliRun {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, bins["files"], append([]string{"-addr", addr}, args...)...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		r := cliRun{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errOut.String()}
		if err != nil && r.code < 0 {
			t.Fatalf("files %q: %v", args, err)
		}
		return r
	}
	local := t.TempDir()
	data := randomData(5*filesvc.ChunkSize+3, 7)
	src := filepath.Join(local, "video.mp4")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(data))

	if r := files("put", src); r.code != 0 || !strings.HasSuffix(r.stderr, "sha256 "+sum+"\n") {
		t.Fatalf("put: exit %d\n%s", r.code, r.stderr)
	}
	out := filepath.Join(local, "copy.mp4")
	if r := files("get", "video.mp4", out); r.code != 0 {
		t.Fatalf("get: exit %d\n%s", r.code, r.stderr)
	}
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %d bytes, %v", len(got), err)
	}
	if r := files("ls"); r.code != 0 || !strings.Contains(r.stdout, "video.mp4") || !strings.Contains(r.stdout, sum) {
		t.Errorf("ls: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := files("stat", "video.mp4"); r.code != 0 || !strings.Contains(r.stdout, "sha256:    "+sum) {
		t.Errorf("stat: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := files("stat", "missing"); r.code != 1 || !strings.Contains(r.stderr, "5 NOT_FOUND") {
		t.Errorf("stat of a missing file: exit %d\n%s", r.code, r.stderr)
	}

	// An interrupted download: OUT.part holds its first bytes.
	resumed := filepath.Join(local, "resumed.mp4")
	if err := os.WriteFile(resumed+".part", data[:2*filesvc.ChunkSize+1], 0o644); err != nil {
		t.Fatal(err)
	}
	if r := files("get", "-resume", "video.mp4", resumed); r.code != 0 || !strings.Contains(r.stderr, fmt.Sprint("continuing from byte ", 2*filesvc.ChunkSize+1)) {
		t.Fatalf("get -resume: exit %d\n%s", r.code, r.stderr)
	}
	if got, err := os.ReadFile(resumed); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get -resume: %d bytes, %v", len(got), err)
	}

	// An interrupted upload: the store holds its first bytes.
	up, err := store.BeginUpload(&filespb.UploadHeader{Name: "again.mp4", Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Write(data[:3*filesvc.ChunkSize]); err != nil {
		t.Fatal(err)
	}
	up.Abandon(true)
	if r := files("put", "-resume", src, "again.mp4"); r.code != 0 || !strings.Contains(r.stderr, fmt.Sprint("continuing from byte ", 3*filesvc.ChunkSize)) {
		t.Fatalf("put -resume: exit %d\n%s", r.code, r.stderr)
	}
	if fi, err := store.Stat("again.mp4"); err != nil || fmt.Sprintf("%x", fi.GetSha256()) != sum {
		t.Fatalf("after put -resume: %v, %v", fi, err)
	}
}
