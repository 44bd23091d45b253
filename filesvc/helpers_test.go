package filesvc_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"grpcwire/client"
	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// testTimeout bounds every call of these tests.
const testTimeout = 30 * time.Second

// testEnv is a Store served in-process on loopback, and a client of it.
type testEnv struct {
	t     testing.TB
	dir   string
	store *filesvc.Store
	svc   *filesvc.Service
	addr  string
	conn  *client.Conn
	files filespb.FilesClient
}

// newEnv serves a Store on dir (a new temporary directory when empty).
func newEnv(t testing.TB, dir string, opts ...server.Option) *testEnv {
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
	s := server.New(opts...)
	svc.Register(s)
	addr := testsvc.Serve(t, s)
	conn := testsvc.Dial(t, addr)
	return &testEnv{t: t, dir: dir, store: store, svc: svc, addr: addr, conn: conn, files: filespb.NewFilesClient(conn)}
}

// ctx is a context bounded by testTimeout, cancelled at the end of the test.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return c
}

// randomBytes returns n pseudo-random bytes from seed.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

// upload is what a test sends: the header (filled in from data when left
// zero), the data in chunks of chunk bytes, and the final sha256 message
// when final is not nil.
type upload struct {
	header *filespb.UploadHeader
	data   []byte
	chunk  int
	final  []byte
}

// send runs the upload on conn and returns the server's answer.
func (u upload) send(ctx context.Context, files filespb.FilesClient) (*filespb.FileInfo, error) {
	stream, err := files.Upload(ctx)
	if err != nil {
		return nil, err
	}
	msgs := []*filespb.UploadRequest{{Part: &filespb.UploadRequest_Header{Header: u.header}}}
	chunk := u.chunk
	if chunk == 0 {
		chunk = filesvc.ChunkSize
	}
	for off := 0; off < len(u.data); off += chunk {
		msgs = append(msgs, &filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: u.data[off:min(off+chunk, len(u.data))]}})
	}
	if u.final != nil {
		msgs = append(msgs, &filespb.UploadRequest{Part: &filespb.UploadRequest_Sha256{Sha256: u.final}})
	}
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			if err == io.EOF {
				break // the server ended the call: CloseAndRecv says why
			}
			return nil, err
		}
	}
	return stream.CloseAndRecv()
}

// put uploads data as name in full, with its SHA-256 in the last message.
func (e *testEnv) put(name string, data []byte) (*filespb.FileInfo, error) {
	sum := sha256.Sum256(data)
	return upload{header: &filespb.UploadHeader{Name: name, Size: int64(len(data))}, data: data, final: sum[:]}.send(ctx(e.t), e.files)
}

// get downloads name from offset and returns its info and bytes.
func (e *testEnv) get(name string, offset int64) (*filespb.FileInfo, []byte, error) {
	var info *filespb.FileInfo
	var data bytes.Buffer
	first := true
	for c, err := range e.files.Download(ctx(e.t), &filespb.DownloadRequest{Name: name, Offset: offset}) {
		if err != nil {
			return info, data.Bytes(), err
		}
		if first {
			info, first = c.GetInfo(), false
			if info == nil {
				e.t.Fatalf("the first message of the download of %q has no info: %v", name, c)
			}
			continue
		}
		if c.GetInfo() != nil {
			e.t.Fatalf("a later message of the download of %q has info: %v", name, c.GetInfo())
		}
		data.Write(c.GetData())
	}
	return info, data.Bytes(), nil
}

// wantCode fails the test unless err is a status with code.
func wantCode(t testing.TB, err error, code wire.Code, what string) *wire.Status {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want %v", what, code)
	}
	st := wire.StatusOf(err)
	if st.Code != code {
		t.Fatalf("%s: %v, want %v", what, err, code)
	}
	return st
}

// reservedFiles lists what the service keeps under the reserved directory
// (uploads in progress and their records), relative to dir.
func reservedFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	root := filepath.Join(dir, filesvc.ReservedName, "partial")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		out = append(out, filepath.Join(filesvc.ReservedName, "partial", e.Name()))
	}
	return out
}

// names lists the stored files of dir, the reserved directory left out.
func names(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != filesvc.ReservedName {
			out = append(out, e.Name())
		}
	}
	return out
}
