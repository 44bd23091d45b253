package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Bounds on the demo's steps, so that a wedged program cannot hang it.
const (
	// startTimeout bounds the wait for the server's listening line.
	startTimeout = 30 * time.Second
	// stopTimeout bounds the wait for the server to exit after the signal:
	// more than users-server's own 10 s grace period for calls in flight.
	stopTimeout = 15 * time.Second
)

// listeningMarker starts the line users-server prints on stderr once it
// accepts calls; the address follows it.
const listeningMarker = "users-server: listening on "

// Binaries are the paths of the built programs.
type Binaries struct {
	Server, Client string
}

// Build compiles users-server and users-client into dir with the go command
// that runs the demo, from the grpcwire module the working directory is in.
func Build(ctx context.Context, dir string) (Binaries, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return Binaries{}, fmt.Errorf("the go command is not on PATH (%w); the demo builds the programs with it", err)
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", dir+string(filepath.Separator),
		"grpcwire/cmd/users-server", "grpcwire/cmd/users-client")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return Binaries{}, fmt.Errorf("go build failed (run the demo from the grpcwire checkout: go run ./cmd/demo): %w\n%s", err, out.Bytes())
	}
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	return Binaries{
		Server: filepath.Join(dir, "users-server"+exe),
		Client: filepath.Join(dir, "users-client"+exe),
	}, nil
}

// Server is a running users-server.
type Server struct {
	// Addr is the address it listens on, from its listening line.
	Addr string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done is closed
}

// StartServer starts users-server with args and waits for its listening
// line. Everything it prints, on stdout and stderr, goes to out.
func StartServer(ctx context.Context, path string, out io.Writer, args ...string) (*Server, error) {
	cmd := exec.Command(path, args...)
	lw := &lineWatcher{w: out, marker: listeningMarker, found: make(chan string, 1)}
	cmd.Stdout, cmd.Stderr = out, lw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start users-server: %w", err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case s.Addr = <-lw.found:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("users-server exited before listening: %v", s.err)
	case <-timer.C:
		err := fmt.Errorf("users-server did not print %q within %v", strings.TrimSpace(listeningMarker), startTimeout)
		s.kill()
		return nil, err
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	}
}

// Stop sends the server the interrupt signal (Ctrl-C), which makes it stop
// gracefully, and waits for it to exit; it kills it if it does not within
// stopTimeout. It returns an error if the server did not exit cleanly.
func (s *Server) Stop() error {
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		// No interrupt signal on this platform, or the process is gone.
		s.kill()
		return nil
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-s.done:
		if s.err != nil {
			return fmt.Errorf("users-server did not exit cleanly after the interrupt: %w", s.err)
		}
		return nil
	case <-timer.C:
		s.kill()
		return fmt.Errorf("users-server did not stop within %v of the interrupt; killed it", stopTimeout)
	}
}

// kill ends the process and waits for it.
func (s *Server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// RunClient runs users-client with args to completion and returns its exit
// code; err is set only when it could not run.
func RunClient(ctx context.Context, path string, stdout, stderr io.Writer, args ...string) (code int, err error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 1, fmt.Errorf("cannot run users-client: %w", err)
	}
	return 0, nil
}

// lineWatcher passes output through and reports the rest of the first line
// that starts with marker.
type lineWatcher struct {
	w      io.Writer
	marker string
	found  chan string // receives the rest of the marked line, once

	mu   sync.Mutex
	line []byte // the current, unfinished line
	seen bool
}

func (lw *lineWatcher) Write(p []byte) (int, error) {
	lw.mu.Lock()
	if !lw.seen {
		for _, c := range p {
			if c != '\n' {
				lw.line = append(lw.line, c)
				continue
			}
			if rest, ok := strings.CutPrefix(string(lw.line), lw.marker); ok && !lw.seen {
				lw.seen = true
				lw.found <- strings.TrimSpace(rest)
			}
			lw.line = lw.line[:0]
		}
	}
	lw.mu.Unlock()
	return lw.w.Write(p)
}

// prefixWriter writes every line it is given with a prefix, whole lines at
// a time, so that a program's lines stay distinct from the demo's own.
type prefixWriter struct {
	w      io.Writer
	prefix string

	mu   sync.Mutex
	line []byte // the current, unfinished line
}

func (pw *prefixWriter) Write(p []byte) (int, error) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	var out []byte
	for _, c := range p {
		pw.line = append(pw.line, c)
		if c == '\n' {
			out = append(out, pw.prefix...)
			out = append(out, pw.line...)
			pw.line = pw.line[:0]
		}
	}
	if len(out) > 0 {
		if _, err := pw.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
