//go:build !linux

package filesvc_test

import "testing"

// smallFileSystem is Linux-only (a tmpfs mount); elsewhere the test falls
// back to failing writes.
func smallFileSystem(t *testing.T, size int) string { return "" }
