// Command files-server serves the Files service of files.proto: it stores
// the files clients upload under a directory and sends them back. cmd/files
// is its command-line client; any gRPC client of files.proto works too.
//
//	files-server -addr HOST:PORT -dir DIR
//
// An upload is written to a temporary file under DIR/.files and renamed
// into place only once its size and SHA-256 check out; an interrupted
// upload can be continued (files put -resume). See package grpcwire/filesvc.
//
// Flags:
//
//	-addr          the address to listen on ("localhost:50052"; "127.0.0.1:0"
//	               picks a free port, which the listening line names)
//	-dir           the directory of the files (".")
//	-partial-ttl   how long an interrupted upload is kept for files put
//	               -resume after its last byte (24h); then it is removed,
//	               at start and periodically (0 keeps them for ever)
//	-tls-cert, -tls-key  serve TLS (ALPN h2) with this certificate chain and
//	               key, PEM files, instead of cleartext HTTP/2
//	               (interop/testdata/server1.pem and server1.key are a test
//	               certificate for localhost and 127.0.0.1)
//	-log-level     the level of the log on stderr: debug, info (the
//	               default: interrupted uploads, refused connections such as
//	               a cleartext client on the TLS port, protocol errors), warn
//	               or error (failed disk operations)
//	-health        serve grpc.health.v1.Health (true)
//	-reflection    serve grpc.reflection v1 and v1alpha, for grpcurl (true)
//	-trace         print every HTTP/2 frame to stderr (see package trace);
//	               DATA frames in the middle of one large message are
//	               summarised, one line per run
//	-trace-frames  with -trace, show every DATA frame instead
//	-trace-values  show metadata values in the trace instead of redacting them
//	-trace-times   print the elapsed time on every trace line (true)
//
// It prints nothing per call, so it has no -quiet. It prints
// "files-server: listening on ADDR" to stderr once it accepts calls. Ctrl-C (SIGINT) or SIGTERM stops it gracefully: transfers in
// flight get up to 10 s to finish, and it exits 0. It exits 2 for a usage
// mistake and 1 when it cannot serve (the directory, the address).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"grpcwire/filesvc"
	"grpcwire/health"
	"grpcwire/internal/tlsflags"
	"grpcwire/observe"
	"grpcwire/reflection"
	"grpcwire/server"
	"grpcwire/trace"
)

// defaultAddr is the port of cmd/files' default -addr: the seed's 50051
// plus one, so that users-server and files-server run side by side.
const defaultAddr = "localhost:50052"

// gracePeriod bounds the graceful stop after Ctrl-C: transfers still running
// then are cut (an upload cut so can be continued), so a stuck one cannot
// keep the program from exiting.
const gracePeriod = 10 * time.Second

func main() {
	cfg, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		os.Exit(2) // the flag package has printed the problem and the usage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "files-server:", err)
		os.Exit(1)
	}
}

// config is the program's flags.
type config struct {
	addr, dir          string
	health, reflection bool
	traceFlags         trace.Flags
	partialTTL         time.Duration
	tls                tlsflags.Server
	// logLevel is the least level logged; the zero value is info.
	logLevel slog.Level
}

// parseFlags reads the command line into a config.
func parseFlags(fs *flag.FlagSet, args []string) (config, error) {
	var cfg config
	fs.StringVar(&cfg.addr, "addr", defaultAddr, "the address to listen on, host:port")
	fs.StringVar(&cfg.dir, "dir", ".", "the directory of the files")
	fs.DurationVar(&cfg.partialTTL, "partial-ttl", filesvc.DefaultPartialTTL, "remove an interrupted upload this long after its last byte, so that uploads never continued do not fill the disk (0: keep them)")
	fs.BoolVar(&cfg.health, "health", true, "serve grpc.health.v1.Health")
	fs.BoolVar(&cfg.reflection, "reflection", true, "serve grpc.reflection v1 and v1alpha ServerReflection")
	cfg.tls.Register(fs)
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log connection and upload events to stderr at this `level` and above: debug, info, warn or error")
	cfg.traceFlags.RegisterSummarized(fs)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected arguments %q; it takes only flags", fs.Args())
		fmt.Fprintln(fs.Output(), "files-server:", err)
		return cfg, err
	}
	return cfg, nil
}

// run serves until ctx ends, then stops gracefully. The listening line, the
// log and the trace go to stderr.
func run(ctx context.Context, cfg config, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	tc, err := cfg.tls.Config()
	if err != nil {
		return err
	}
	store, err := filesvc.OpenStore(cfg.dir, logger, filesvc.PartialTTL(cfg.partialTTL))
	if err != nil {
		return err
	}
	defer store.Close()

	opts := append(filesvc.ServerOptions(), server.Logger(logger))
	if tc != nil {
		opts = append(opts, server.TLS(tc))
	}
	// A Tracer of its own rather than server.Trace, so that a run of DATA
	// frames held back for its summary line is printed at exit (Close).
	tr, err := cfg.traceFlags.Tracer(stderr)
	if err != nil {
		return err
	}
	defer tr.Close()
	if tr != nil {
		opts = append(opts, server.FrameObserver(func(ci server.ConnInfo) observe.Observer {
			return tr.Conn(trace.Server, ci.LocalAddr, ci.RemoteAddr, ci.Start)
		}))
	}
	s := server.New(opts...)
	filesvc.NewService(store, logger).Register(s)
	if cfg.reflection {
		reflection.Register(s)
	}
	if cfg.health {
		// Last, so that every service registered above reports SERVING.
		health.Register(s)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another server running? -addr picks another address)", cfg.addr, err)
	}
	fmt.Fprintf(stderr, "files-server: serving the files of %s\n", cfg.dir)
	fmt.Fprintf(stderr, "files-server: listening on %s\n", ln.Addr())

	s.RegisterOnShutdown(func() { fmt.Fprintln(stderr, "files-server: stopping") })
	return s.ServeContext(ctx, ln, gracePeriod)
}
