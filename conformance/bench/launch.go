package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// Server is a running bench server as the harness sees it: where to
// connect, and the counters of the process it runs in.
type Server interface {
	// Addr is the host:port it listens on.
	Addr() string
	// Stats returns a Snapshot of the server's process; with gc, after a
	// forced garbage collection.
	Stats(gc bool) (Snapshot, error)
	// Close stops the server and waits for it.
	Close() error
}

// A Launcher starts servers. profile, when not empty, is a path prefix for
// the CPU and allocation profiles of this server (".cpu.pprof" and
// ".mem.pprof" are appended); launchers that cannot profile ignore it.
type Launcher interface {
	Launch(impl, profile string) (Server, error)
	// Pinned describes where servers run, for the report.
	Pinned() string
}

// ProcLauncher starts each server as a child process that runs ServerMain,
// pinned with taskset to one CPU when CPU >= 0.
type ProcLauncher struct {
	// Exe and Args are the program and the arguments before ServerMain's
	// flags; Env is added to the environment (for example the variable that
	// puts the bench command in its server role).
	Exe  string
	Args []string
	Env  []string
	// CPU is the CPU to pin the server to, or -1 not to pin it.
	CPU int
	// Taskset is the path of util-linux's taskset, needed when CPU >= 0.
	Taskset string
	// MemProfileRate is passed as -memprofilerate when profiling.
	MemProfileRate int
	// GoWindow is passed as -grpcgo-window (see DialerFor).
	GoWindow int32
}

// Pinned says where the servers run.
func (l *ProcLauncher) Pinned() string {
	if l.CPU < 0 {
		return "not pinned"
	}
	return fmt.Sprintf("CPU %d (taskset), GOMAXPROCS=1", l.CPU)
}

// Launch starts a server process and waits for its first control line.
func (l *ProcLauncher) Launch(impl, profile string) (Server, error) {
	args := append([]string{}, l.Args...)
	args = append(args, "-impl", impl)
	if l.GoWindow > 0 {
		args = append(args, "-grpcgo-window", strconv.Itoa(int(l.GoWindow)))
	}
	if profile != "" {
		args = append(args, "-cpuprofile", profile+".cpu.pprof", "-memprofile", profile+".mem.pprof")
		if l.MemProfileRate > 0 {
			args = append(args, "-memprofilerate", strconv.Itoa(l.MemProfileRate))
		}
	}
	var cmd *exec.Cmd
	env := append(os.Environ(), l.Env...)
	if l.CPU >= 0 {
		cmd = exec.Command(l.Taskset, append([]string{"-c", strconv.Itoa(l.CPU), l.Exe}, args...)...)
		env = append(env, "GOMAXPROCS=1")
	} else {
		cmd = exec.Command(l.Exe, args...)
	}
	cmd.Env = env
	p := &procServer{cmd: cmd, lines: make(chan []byte, 1)}
	cmd.Stderr = &p.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.stdin = stdin
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting the %s server: %w", impl, err)
	}
	go func() {
		defer close(p.lines)
		br := bufio.NewReader(stdout)
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				return
			}
			p.lines <- line
		}
	}()
	r, err := p.read()
	if err != nil {
		p.kill()
		return nil, fmt.Errorf("bench: the %s server did not start: %w", impl, err)
	}
	p.addr, p.pid = r.Addr, r.PID
	return p, nil
}

// procServer is a server child process and its control pipes.
type procServer struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan []byte
	stderr lockedBuffer
	addr   string
	pid    int
	mu     sync.Mutex // one command at a time
	closed bool
}

func (p *procServer) Addr() string { return p.addr }

// read waits for the next control line.
func (p *procServer) read() (reply, error) {
	t := time.NewTimer(controlBound)
	defer t.Stop()
	select {
	case line, ok := <-p.lines:
		if !ok {
			return reply{}, p.withStderr(errNoReply)
		}
		var r reply
		if err := json.Unmarshal(line, &r); err != nil {
			return reply{}, fmt.Errorf("bench: unreadable control line %q: %w", line, err)
		}
		if r.Error != "" {
			return r, fmt.Errorf("bench: the server answered: %s", r.Error)
		}
		return r, nil
	case <-t.C:
		return reply{}, p.withStderr(fmt.Errorf("bench: no answer from the server within %v", controlBound))
	}
}

func (p *procServer) command(cmd string) (reply, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return reply{}, errors.New("bench: the server process was closed")
	}
	if _, err := p.stdin.Write([]byte(cmd + "\n")); err != nil {
		return reply{}, p.withStderr(err)
	}
	return p.read()
}

func (p *procServer) Stats(gc bool) (Snapshot, error) {
	cmd := cmdStats
	if gc {
		cmd = cmdGC
	}
	r, err := p.command(cmd)
	if err != nil {
		return Snapshot{}, err
	}
	if r.Snapshot == nil {
		return Snapshot{}, fmt.Errorf("bench: the server answered %q without a snapshot", cmd)
	}
	return *r.Snapshot, nil
}

// Close tells the server to quit and waits for the process to exit; a
// server that does not answer in time is killed.
func (p *procServer) Close() error {
	_, err := p.command(cmdQuit)
	p.mu.Lock()
	p.closed = true
	p.stdin.Close()
	p.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	t := time.NewTimer(controlBound)
	defer t.Stop()
	select {
	case werr := <-done:
		if err == nil && werr != nil {
			err = p.withStderr(werr)
		}
	case <-t.C:
		p.cmd.Process.Kill()
		<-done
		if err == nil {
			err = errors.New("bench: the server process did not exit after quit; killed")
		}
	}
	return err
}

func (p *procServer) kill() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// withStderr adds the tail of the server's standard error to err.
func (p *procServer) withStderr(err error) error {
	s := p.stderr.String()
	if len(s) > 2000 {
		s = "..." + s[len(s)-2000:]
	}
	if s == "" {
		return err
	}
	return fmt.Errorf("%w; server stderr:\n%s", err, s)
}

// lockedBuffer is a bytes.Buffer safe for the process's writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// InProcLauncher runs servers inside the calling process. The counters
// are then the whole process's, load generator included, so its figures
// are not the server's own: it is for tests of the harness.
type InProcLauncher struct {
	// GoWindow is grpc-go's server's static window (see DialerFor).
	GoWindow int32
}

// Pinned says where the servers run.
func (InProcLauncher) Pinned() string { return "in the load generator's process (test mode)" }

// Launch starts impl on a loopback listener of this process.
func (l InProcLauncher) Launch(impl, _ string) (Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	stop, err := StartServer(impl, ln, l.GoWindow)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return &inProcServer{addr: ln.Addr().String(), stop: stop}, nil
}

type inProcServer struct {
	addr string
	stop func()
}

func (s *inProcServer) Addr() string                    { return s.addr }
func (s *inProcServer) Stats(gc bool) (Snapshot, error) { return TakeSnapshot(gc), nil }
func (s *inProcServer) Close() error                    { s.stop(); return nil }
