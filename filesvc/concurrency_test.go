package filesvc_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/server"
	"grpcwire/wire"
)

// watchWrites makes the store count, in the returned Counter, the bytes
// each upload writes into its temporary file (from zero at each upload's
// start): the event a test waits on for the server to have committed what
// it was sent.
func (e *testEnv) watchWrites() *testio.Counter {
	var c testio.Counter
	e.store.SetWrapWriter(func(f io.Writer) io.Writer {
		c.Reset()
		return c.Writer(f)
	})
	return &c
}

// waitUpload waits until the upload in progress (watched by written) has
// committed at least committed bytes, and returns what Stat then reports
// of the upload of name, which must say as much: Stat is how a client
// learns it.
func (e *testEnv) waitUpload(written *testio.Counter, name string, committed int64) *filespb.FileInfo {
	e.t.Helper()
	written.WaitAtLeast(e.t, committed)
	st, err := e.files.Stat(ctx(e.t), &filespb.StatRequest{Name: name})
	if err != nil || st.GetUploadSize() == 0 || st.GetUploadCommitted() < committed {
		e.t.Fatalf("Stat after %d bytes of %q were written: %v, %v; want an upload with them committed", written.Load(), name, st, err)
	}
	return st
}

// TestConcurrentUploadsOfOneName starts a second upload of a name while the
// first is in progress: the second is ABORTED at once, the first completes
// whole, and the second, sent again once the first is over, replaces it.
func TestConcurrentUploadsOfOneName(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	e := newEnv(t, "")
	written := e.watchWrites()
	first := randomBytes(3*filesvc.ChunkSize, 1)
	second := randomBytes(filesvc.ChunkSize+3, 2)

	stream, err := e.files.Upload(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	send := func(m *filespb.UploadRequest) {
		t.Helper()
		if err := stream.Send(m); err != nil {
			t.Fatalf("first upload: %v", err)
		}
	}
	send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "f", Size: int64(len(first))}}})
	send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: first[:filesvc.ChunkSize]}})
	e.waitUpload(written, "f", filesvc.ChunkSize)

	_, err = e.put("f", second)
	wantCode(t, err, wire.Aborted, "a second upload of a name being uploaded")

	for off := filesvc.ChunkSize; off < len(first); off += filesvc.ChunkSize {
		send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: first[off : off+filesvc.ChunkSize]}})
	}
	if _, err := stream.CloseAndRecv(); err != nil {
		t.Fatalf("the first upload, after the second was refused: %v", err)
	}
	if _, got, err := e.get("f", 0); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("after the first upload: %d bytes, %v; want the first upload whole", len(got), err)
	}
	if _, err := e.put("f", second); err != nil {
		t.Fatalf("the second upload, sent again after the first: %v", err)
	}
	if _, got, err := e.get("f", 0); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("after the second upload: %d bytes, %v; want the second upload whole", len(got), err)
	}
}

// TestManyUploads runs uploads of one name and of distinct names at once:
// every upload of a distinct name succeeds; of those of the shared name
// each either succeeds or is ABORTED, and the stored file is exactly one of
// the successful ones, never a mix.
func TestManyUploads(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	e := newEnv(t, "")
	const n = 8
	shared := make([][]byte, n)
	for i := range shared {
		shared[i] = randomBytes(2*filesvc.ChunkSize+i, uint64(100+i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var stored [][]byte
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := e.put("shared", shared[i])
			switch wire.CodeOf(err) {
			case wire.OK:
				mu.Lock()
				stored = append(stored, shared[i])
				mu.Unlock()
			case wire.Aborted:
			default:
				errs <- fmt.Errorf("upload %d of the shared name: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			name := fmt.Sprint("own-", i)
			data := randomBytes(filesvc.ChunkSize+i, uint64(i))
			if _, err := e.put(name, data); err != nil {
				errs <- fmt.Errorf("upload of %s: %v", name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(stored) == 0 {
		t.Fatal("no upload of the shared name succeeded")
	}
	_, got, err := e.get("shared", 0)
	if err != nil {
		t.Fatal(err)
	}
	whole := false
	for _, s := range stored {
		whole = whole || bytes.Equal(got, s)
	}
	if !whole {
		t.Errorf("the shared name holds %d bytes that are none of the %d successful uploads", len(got), len(stored))
	}
	for i := range n {
		if _, _, err := e.get(fmt.Sprint("own-", i), 0); err != nil {
			t.Errorf("own-%d: %v", i, err)
		}
	}
}

// TestResumeUpload interrupts an upload by cancelling its call: its
// temporary file stays, Stat reports what was committed, and an Upload of
// the same name and size from that offset, or from less, completes it; the
// stored file is the original byte for byte. Offsets and sizes that do not
// fit are FAILED_PRECONDITION.
func TestResumeUpload(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	// cutEnded tells of each Upload handler that returned after its call
	// was cancelled: the interrupted upload has then let go of its name.
	cutEnded := make(chan struct{}, 1)
	e := newEnv(t, "", server.ChainStreamInterceptor(func(st server.ServerStream, info *server.CallInfo, next server.StreamHandler) error {
		err := next(st)
		if err != nil && st.Context().Err() != nil {
			cutEnded <- struct{}{}
		}
		return err
	}))
	written := e.watchWrites()
	data := randomBytes(5*filesvc.ChunkSize+11, 7)
	sum := sha256.Sum256(data)
	size := int64(len(data))

	interrupt := func(chunks int) int64 {
		t.Helper()
		cctx, cancel := context.WithCancel(ctx(t))
		stream, err := e.files.Upload(cctx)
		if err != nil {
			t.Fatal(err)
		}
		stream.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "f", Size: size}}})
		for i := range chunks {
			stream.Send(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: data[i*filesvc.ChunkSize : (i+1)*filesvc.ChunkSize]}})
		}
		st := e.waitUpload(written, "f", int64(chunks*filesvc.ChunkSize))
		cancel()
		select {
		case <-cutEnded:
		case <-time.After(testTimeout):
			t.Fatalf("the interrupted upload's handler did not return within %v of the cancel", testTimeout)
		}
		return st.GetUploadCommitted()
	}
	resume := func(offset int64) (*filespb.FileInfo, error) {
		t.Helper()
		return upload{header: &filespb.UploadHeader{Name: "f", Size: size, Offset: offset}, data: data[offset:], final: sum[:]}.send(ctx(t), e.files)
	}

	committed := interrupt(3)
	if n := names(t, e.dir); len(n) > 0 {
		t.Fatalf("an interrupted upload stored %q", n)
	}
	if _, err := resume(committed + 1); wire.CodeOf(err) != wire.FailedPrecondition {
		t.Errorf("resume past what was committed: %v, want FAILED_PRECONDITION", err)
	}
	_, err := upload{header: &filespb.UploadHeader{Name: "f", Size: size + 1, Offset: 1}}.send(ctx(t), e.files)
	wantCode(t, err, wire.FailedPrecondition, "resume with another size")
	_, err = upload{header: &filespb.UploadHeader{Name: "other", Size: size, Offset: 1}}.send(ctx(t), e.files)
	wantCode(t, err, wire.FailedPrecondition, "resume of an upload that never began")

	fi, err := resume(committed)
	if err != nil {
		t.Fatalf("resume from the committed %d bytes: %v", committed, err)
	}
	if !bytes.Equal(fi.GetSha256(), sum[:]) {
		t.Errorf("resumed upload stored SHA-256 %x, want %x", fi.GetSha256(), sum)
	}
	if _, got, err := e.get("f", 0); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the resume: %d bytes, %v; want the original", len(got), err)
	}

	// Again, continuing from before the committed end: the server drops
	// what lies past the offset.
	committed = interrupt(4)
	if _, err := resume(committed / 2); err != nil {
		t.Fatalf("resume from half of what was committed: %v", err)
	}
	if _, got, err := e.get("f", 0); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the second resume: %d bytes, %v; want the original", len(got), err)
	}
	if r := reservedFiles(t, e.dir); len(r) > 0 {
		t.Errorf("temporary files stayed: %q", r)
	}
}
