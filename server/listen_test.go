package server_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"grpcwire/server"
)

// TestListen: Listen takes the place as a client target names it, and
// AddrString names the listener's address the same way back.
func TestListen(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ address, network, want string }{
		{"127.0.0.1:0", "tcp", ""},
		{"unix:" + filepath.Join(dir, "a.sock"), "unix", "unix:" + filepath.Join(dir, "a.sock")},
		{"unix://" + filepath.Join(dir, "b.sock"), "unix", "unix:" + filepath.Join(dir, "b.sock")},
	}
	if runtime.GOOS == "linux" {
		name := fmt.Sprintf("grpcwire-listen-%d-%d", os.Getpid(), time.Now().UnixNano())
		cases = append(cases, struct{ address, network, want string }{"unix-abstract:" + name, "unix", "unix-abstract:" + name})
	}
	for _, tc := range cases {
		ln, err := server.Listen(tc.address)
		if err != nil {
			t.Errorf("Listen(%q): %v", tc.address, err)
			continue
		}
		if got := ln.Addr().Network(); got != tc.network {
			t.Errorf("Listen(%q) listens on %s, want %s", tc.address, got, tc.network)
		}
		got := server.AddrString(ln.Addr())
		if tc.want != "" && got != tc.want {
			t.Errorf("AddrString of Listen(%q) = %q, want %q", tc.address, got, tc.want)
		}
		if tc.network == "tcp" && !strings.HasPrefix(got, "127.0.0.1:") {
			t.Errorf("AddrString of a TCP listener = %q", got)
		}
		ln.Close()
	}
}

// TestListenUnixSocketLeftBehind: a socket file that nothing answers on
// (its server died) is replaced; one that a live server holds is an error,
// as a TCP port in use is.
func TestListenUnixSocketLeftBehind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "left.sock")
	// A socket file with no listener behind it, as a killed server leaves.
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the stale socket file is gone: %v", err)
	}
	ln, err := server.Listen("unix:" + path)
	if err != nil {
		t.Fatalf("Listen over a stale socket file: %v", err)
	}
	defer ln.Close()
	if _, err := server.Listen("unix:" + path); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Listen on a socket a live listener holds: %v, want EADDRINUSE", err)
	}
	ln.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the socket file is still there after Close: %v", err)
	}
}

// TestListenMalformed: addresses that name no socket are refused.
func TestListenMalformed(t *testing.T) {
	for _, a := range []string{"unix:", "unix-abstract:", "unix://relative/path"} {
		if ln, err := server.Listen(a); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) succeeded", a)
		}
	}
}
