package filesvc_test

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"grpcwire/filesvc"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/wire"
)

// fsSize is the small file system's size: a few chunks.
const fsSize = 1 << 20

func itoa(n int) string { return strconv.Itoa(n) }

// TestDiskFull uploads more than the disk holds: the upload fails with
// RESOURCE_EXHAUSTED, its temporary file is removed (so the space is free
// again), no file takes its name, and the server goes on serving: a file
// that fits is stored next. It fills a real file system (a tmpfs mounted
// for the test) when the test runs as root on Linux, and, everywhere, a
// store whose writes fail with ENOSPC after as many bytes.
func TestDiskFull(t *testing.T) {
	t.Run("tmpfs", func(t *testing.T) {
		h2test.VerifyNoLeaks(t)
		dir := smallFileSystem(t, fsSize)
		if dir == "" {
			t.Skip("mounting a tmpfs needs root on Linux; the ENOSPC case below covers the server's path")
		}
		checkDiskFull(t, newEnv(t, dir))
	})
	t.Run("ENOSPC", func(t *testing.T) {
		h2test.VerifyNoLeaks(t)
		e := newEnv(t, "")
		e.store.SetWrapWriter(func(w io.Writer) io.Writer { return &fullDisk{w: w, room: fsSize} })
		checkDiskFull(t, e)
	})
}

func checkDiskFull(t *testing.T, e *testEnv) {
	big := randomBytes(2*fsSize, 1)
	_, err := e.put("big", big)
	st := wantCode(t, err, wire.ResourceExhausted, "upload larger than the disk")
	if !strings.Contains(st.Message, "disk is full") {
		t.Errorf("%q does not say the disk is full", st.Message)
	}
	if r := reservedFiles(t, e.dir); len(r) > 0 {
		t.Errorf("the temporary file stayed after the disk filled: %q", r)
	}
	if n := names(t, e.dir); len(n) > 0 {
		t.Errorf("stored files %q after a failed upload", n)
	}
	small := randomBytes(filesvc.ChunkSize/2, 2)
	if _, err := e.put("small", small); err != nil {
		t.Fatalf("upload that fits, after the full disk: %v", err)
	}
	if _, got, err := e.get("small", 0); err != nil || !bytes.Equal(got, small) {
		t.Fatalf("download after the full disk: %d bytes, %v", len(got), err)
	}
}

// fullDisk is a writer with room for so many bytes; then it fails as a
// full disk does.
type fullDisk struct {
	w    io.Writer
	room int
}

func (f *fullDisk) Write(p []byte) (int, error) {
	if len(p) <= f.room {
		f.room -= len(p)
		return f.w.Write(p)
	}
	n, err := f.w.Write(p[:f.room])
	f.room = 0
	if err != nil {
		return n, err
	}
	return n, &wrappedErrno{syscall.ENOSPC}
}

// wrappedErrno is how *os.File reports ENOSPC: wrapped in an error of its
// own (an *fs.PathError there), which isDiskFull must see through.
type wrappedErrno struct{ errno syscall.Errno }

func (e *wrappedErrno) Error() string { return "write: " + e.errno.Error() }
func (e *wrappedErrno) Unwrap() error { return e.errno }
