//go:build !race

package filesvc_test

import (
	"io"
	"runtime"
	"testing"

	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// copyTestSize is what TestUploadAllocatesNoChunks uploads: enough chunks
// that a copy of each would dwarf everything else the process allocates.
const copyTestSize = 64 << 20

// allocatedDuring returns the bytes the process allocated while f ran.
func allocatedDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestUploadAllocatesNoChunks checks that the server receives an upload
// without a copy of each chunk by protobuf: uploading 64 MiB allocates a
// small fraction of that in this process (client and server), where a
// handler that decodes each message with protobuf, as a typed Recv does,
// allocates all of it again. Without the race detector only: it makes
// sync.Pool drop buffers, so pooled paths allocate.
func TestUploadAllocatesNoChunks(t *testing.T) {
	data := randomBytes(copyTestSize, 3)
	e := newEnv(t, "")
	ours := allocatedDuring(func() {
		if _, err := e.put("f", data); err != nil {
			t.Fatal(err)
		}
	})

	// The same upload to a handler that decodes each message with
	// protobuf (Recv), which copies every chunk out of its buffer.
	s := server.New()
	s.Register(&server.ServiceDesc{Name: filespb.Files_ServiceName, Methods: []server.MethodDesc{
		server.ClientStreamingMethod("Upload", func(st server.ClientStreamingServer[filespb.UploadRequest, filespb.FileInfo]) error {
			for {
				if _, err := st.Recv(); err == io.EOF {
					return st.SendAndClose(&filespb.FileInfo{})
				} else if err != nil {
					return err
				}
			}
		}),
	}})
	typed := &testEnv{t: t, files: filespb.NewFilesClient(testsvc.Dial(t, testsvc.Serve(t, s)))}
	decoded := allocatedDuring(func() {
		if _, err := typed.put("f", data); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("uploading %d MiB in %d KiB chunks allocated %.1f MiB with server.RecvRawMsg and protowire, %.1f MiB with protobuf's Recv",
		copyTestSize>>20, filesvc.ChunkSize>>10, float64(ours)/(1<<20), float64(decoded)/(1<<20))
	if ours > copyTestSize/8 {
		t.Errorf("the upload allocated %d bytes for %d uploaded: the chunks are copied", ours, copyTestSize)
	}
	if decoded < copyTestSize*9/10 {
		t.Errorf("the protobuf-decoding handler allocated only %d bytes for %d uploaded: the measurement cannot tell a copy", decoded, copyTestSize)
	}
}
