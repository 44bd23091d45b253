package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"

	"grpcwire/conformance/benchpb"
	"grpcwire/conformance/benchpb/benchgrpc"
	"grpcwire/server"
)

// The implementations a server process can run, by the names the report
// uses.
const (
	ImplWire = "grpcwire"
	ImplGo   = "grpc-go"
	// ImplTCP is no gRPC at all: every accepted connection is sent
	// tcpWrite-sized writes until it closes, the streaming floor's server
	// (ImplTCPEcho, floor.go, is the ping-pong floor's).
	ImplTCP = "tcp"
)

// The control protocol. After it listens, a server process writes one JSON
// line, a reply with its address and pid; it then reads one command per
// line on standard input and answers each with one JSON line on standard
// output. End of input is "quit".
const (
	// cmdStats answers with a Snapshot of the process.
	cmdStats = "stats"
	// cmdGC forces garbage collection, then answers with a Snapshot.
	cmdGC = "gc"
	// cmdQuit stops the server, writes the profiles asked for, answers
	// with an empty reply and exits.
	cmdQuit = "quit"
)

// reply is one line of the control protocol.
type reply struct {
	Addr     string    `json:"addr,omitempty"`
	PID      int       `json:"pid,omitempty"`
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// ServerMain runs the server role with the given command-line arguments
// (flags below): it serves on loopback, answers control commands read from
// in on out, and returns once told to quit, at the end of in, or after its
// lifetime. cmd/benchserver and the bench command's server role call it.
func ServerMain(args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("benchserver", flag.ContinueOnError)
	impl := fs.String("impl", ImplWire, "what to serve: "+ImplWire+", "+ImplGo+", "+ImplTCP+" (raw TCP writes) or "+ImplTCPEcho+" (raw TCP ping-pong)")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := fs.String("memprofile", "", "write an allocation profile to this file at quit (go tool pprof -sample_index=alloc_objects)")
	memRate := fs.Int("memprofilerate", 0, "runtime.MemProfileRate while -memprofile is set (0: the runtime's default, one sample per 512 KiB)")
	lifetime := fs.Duration("lifetime", serverLifetime, "exit after this long even if never told to quit")
	goWindow := fs.Int("grpcgo-window", 0, "grpc-go's server only: static flow control windows of this many bytes, turning its BDP estimator off (0: grpc-go's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("benchserver: unexpected arguments %q", fs.Args())
	}
	if _, err := RaiseFileLimit(); err != nil {
		return err
	}
	if *memProfile != "" && *memRate > 0 {
		runtime.MemProfileRate = *memRate
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	stop, err := StartServer(*impl, ln, int32(*goWindow))
	if err != nil {
		ln.Close()
		return err
	}
	enc := json.NewEncoder(out)
	if err := enc.Encode(reply{Addr: ln.Addr().String(), PID: os.Getpid()}); err != nil {
		stop()
		return err
	}

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- strings.TrimSpace(sc.Text())
		}
	}()
	deadline := time.NewTimer(*lifetime)
	defer deadline.Stop()
	for {
		var cmd string
		var ok bool
		select {
		case cmd, ok = <-lines:
			if !ok {
				cmd = cmdQuit
			}
		case <-deadline.C:
			stop()
			return fmt.Errorf("benchserver: still running after -lifetime %v; stopped", *lifetime)
		}
		switch cmd {
		case cmdStats, cmdGC:
			s := TakeSnapshot(cmd == cmdGC)
			err = enc.Encode(reply{Snapshot: &s})
		case cmdQuit:
			stop()
			if *memProfile != "" {
				if err := writeHeapProfile(*memProfile); err != nil {
					enc.Encode(reply{Error: err.Error()})
					return err
				}
			}
			return enc.Encode(reply{})
		default:
			err = enc.Encode(reply{Error: fmt.Sprintf("unknown command %q: want %s, %s or %s", cmd, cmdStats, cmdGC, cmdQuit)})
		}
		if err != nil {
			stop()
			return err
		}
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// StartServer serves impl on ln in the background and returns the function
// that stops it, closing every connection, and waits until it has.
// goWindow, when above zero, gives grpc-go's server static flow control
// windows of that many bytes (see DialerFor).
func StartServer(impl string, ln net.Listener, goWindow int32) (stop func(), err error) {
	done := make(chan struct{})
	switch impl {
	case ImplWire:
		s := server.New(server.MaxConcurrentStreams(serverMaxStreams))
		benchpb.RegisterBenchServer(s, WireService{})
		go func() { defer close(done); s.Serve(ln) }()
		return sync.OnceFunc(func() { s.Stop(); <-done }), nil
	case ImplGo:
		var opts []grpc.ServerOption
		if goWindow > 0 {
			opts = append(opts, grpc.InitialWindowSize(goWindow), grpc.InitialConnWindowSize(goWindow))
		}
		s := grpc.NewServer(opts...)
		benchgrpc.RegisterBenchServer(s, GoService{})
		go func() { defer close(done); s.Serve(ln) }()
		return sync.OnceFunc(func() { s.Stop(); <-done }), nil
	case ImplTCP, ImplTCPEcho:
		handle := serveStream
		if impl == ImplTCPEcho {
			handle = serveEcho
		}
		src := newRawServer(ln, handle)
		go func() { defer close(done); src.serve() }()
		return sync.OnceFunc(func() { src.stop(); <-done }), nil
	}
	return nil, fmt.Errorf("bench: unknown implementation %q: want %s, %s, %s or %s", impl, ImplWire, ImplGo, ImplTCP, ImplTCPEcho)
}

// errNoReply is returned when a server process ends before answering.
var errNoReply = errors.New("bench: the server process ended without answering")
