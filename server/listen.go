package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Listen listens on address, written as a client's target names the same
// place (grpc/grpc doc/naming.md), so that one string serves both sides:
//
//	:50051, 127.0.0.1:50051, [::1]:0   TCP, as net.Listen("tcp", address)
//	unix:/run/users.sock               a Unix socket at that path (unix:relative/path too)
//	unix:///run/users.sock             the same, in the URI form
//	unix-abstract:users                a socket in Linux's abstract namespace
//
// A Unix socket file left behind by a server that died (nothing answers on
// it) is removed and listened on again; one that a live server answers on is
// an error, as a TCP port in use is. The listener removes its socket file
// when closed.
func Listen(address string) (net.Listener, error) {
	network, addr, err := splitListenAddress(address)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen(network, addr)
	if err != nil && network == "unix" && !strings.HasPrefix(addr, "@") && errors.Is(err, syscall.EADDRINUSE) && staleSocket(addr) {
		if rerr := os.Remove(addr); rerr == nil {
			ln, err = net.Listen(network, addr)
		}
	}
	return ln, err
}

// staleSocket reports whether nothing answers on the Unix socket at path.
func staleSocket(path string) bool {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// splitListenAddress turns a Listen address into package net's network and
// address.
func splitListenAddress(address string) (network, addr string, err error) {
	switch {
	case strings.HasPrefix(address, "unix-abstract:"):
		name := strings.TrimPrefix(address, "unix-abstract:")
		if name == "" {
			return "", "", fmt.Errorf("grpcwire/server: %q names no abstract socket", address)
		}
		if runtime.GOOS != "linux" && runtime.GOOS != "android" {
			return "", "", fmt.Errorf("grpcwire/server: %q: abstract Unix sockets exist only on Linux", address)
		}
		return "unix", "@" + name, nil
	case strings.HasPrefix(address, "unix:"):
		path := strings.TrimPrefix(address, "unix:")
		if rest, ok := strings.CutPrefix(path, "//"); ok {
			if !strings.HasPrefix(rest, "/") {
				return "", "", fmt.Errorf("grpcwire/server: %q: write unix:///absolute/path or unix:relative/path", address)
			}
			path = rest
		}
		if path == "" {
			return "", "", fmt.Errorf("grpcwire/server: %q names no socket path", address)
		}
		return "unix", path, nil
	}
	return "tcp", address, nil
}

// AddrString names a listener's address as Listen and a client's target
// write it: "127.0.0.1:50051", "unix:/run/users.sock",
// "unix-abstract:users". Programs print it so that a person can copy it.
func AddrString(a net.Addr) string {
	if a.Network() != "unix" {
		return a.String()
	}
	if name, ok := strings.CutPrefix(a.String(), "@"); ok {
		return "unix-abstract:" + name
	}
	return "unix:" + a.String()
}
