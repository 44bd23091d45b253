//go:build linux

package filesvc_test

import (
	"os"
	"syscall"
	"testing"
)

// smallFileSystem mounts a tmpfs of size bytes on a new directory, when this
// process may (it runs as root), and returns the directory; "" otherwise.
// It is unmounted at the end of the test.
func smallFileSystem(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		return ""
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+itoa(size)); err != nil {
		t.Logf("cannot mount a tmpfs (%v)", err)
		return ""
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmounting the test's tmpfs: %v", err)
		}
	})
	return dir
}
