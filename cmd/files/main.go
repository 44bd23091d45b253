// Command files moves files to and from a files-server (cmd/files-server),
// or any server of files.proto, over gRPC streams: an upload is a client
// stream of chunks, a download a server stream of chunks, so a file of any
// size goes through a bounded amount of memory.
//
// Usage:
//
//	files [flags] put [-resume] FILE [NAME]   upload FILE, stored as NAME (FILE's base name by default)
//	files [flags] get [-resume] NAME [OUT]    download NAME into OUT (NAME by default)
//	files [flags] ls                          list the stored files
//	files [flags] stat NAME                   describe one stored file
//
// put and get show a progress bar on stderr when stderr is a terminal
// (bytes, percent, rate, time left) and print one final line to stderr
// either way. Both check the file's SHA-256 at the end: put compares what
// it read with what the server stored (the server checks it too, before
// storing the file), get compares what it wrote with the server's. get
// writes into OUT.part and renames it to OUT only once the SHA-256 checks
// out.
//
// -resume continues an interrupted transfer instead of starting over: put
// asks the server (Stat) how many bytes of the upload of NAME it committed
// and sends the rest; get continues OUT.part from its size.
//
// Flags, before the command:
//
//	-addr          the server, host:port ("localhost:50052")
//	-tls           speak TLS (ALPN h2) instead of cleartext HTTP/2, trusting
//	               the system's CAs
//	-tls-ca        trust the CA certificates in this PEM file instead
//	               (implies -tls); interop/testdata/ca.pem signed the
//	               certificate files-server -tls-cert can serve
//	-tls-server-name  the name to check in the server's certificate (the
//	               -addr's host by default; implies -tls)
//	-trace         print every HTTP/2 frame to stderr (see package trace),
//	               instead of the progress bar; DATA frames in the middle
//	               of one large message are summarised, one line per run
//	-trace-frames  with -trace, show every DATA frame instead
//	-trace-values  show metadata values in the trace instead of redacting them
//	-trace-times   print the elapsed time on every trace line (true)
//
// The exit code is 0 when all went well, 1 when the server answered with a
// gRPC status other than OK or the transfer failed (a SHA-256 that does not
// match, a local file that cannot be written), and 2 for a usage mistake
// (unknown command, missing argument, a FILE that cannot be read) or a
// server that cannot be reached. When the server cannot be reached, a
// second line says what to change in these flags (-addr, -tls, -tls-ca,
// -tls-server-name).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"grpcwire/client"
	"grpcwire/filesvc"
	"grpcwire/internal/tlsflags"
	"grpcwire/observe"
	"grpcwire/trace"
	"grpcwire/wire"
)

// The exit codes, which scripts branch on; the same as grpcwire's.
const (
	// exitOK: the command did what it was asked.
	exitOK = 0
	// exitFailed: the server answered with a status other than OK, or the
	// transfer failed.
	exitFailed = 1
	// exitUsage: a usage mistake, or a server that cannot be reached.
	exitUsage = 2
)

// defaultAddr is where files-server listens by default.
const defaultAddr = "localhost:50052"

// userAgent is the product token the command puts before grpcwire's own in
// the user-agent header.
const userAgent = "grpcwire-files/" + wire.Version

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &stdio{out: os.Stdout, err: os.Stderr, errIsTerminal: isTerminal(os.Stderr)})
	stop()
	os.Exit(code)
}

// stdio is where a run writes: the process's own streams in main, buffers
// in tests.
type stdio struct {
	out io.Writer // the listings of ls and stat
	err io.Writer // the progress bar, the final lines, the trace, errors
	// errIsTerminal says that err is a terminal, where the progress bar is
	// drawn.
	errIsTerminal bool
	// observer, when set (tests), is told of every frame of the run's
	// connection besides the trace.
	observer func(client.ConnInfo) observe.Observer
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// options are the flags before the command.
type options struct {
	addr       string
	tls        tlsflags.Client
	traceFlags trace.Flags
}

// A command is one of the subcommands.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e *env, args []string) error
}

// commands are the subcommands, in the order the usage lists them.
var commands = []command{
	{"put", "[-resume] FILE [NAME]", "upload FILE, stored as NAME (FILE's base name by default)", runPut},
	{"get", "[-resume] NAME [OUT]", "download NAME into OUT (NAME by default)", runGet},
	{"ls", "", "list the stored files", runList},
	{"stat", "NAME", "describe one stored file", runStat},
}

// env is what a command runs with: the output streams and the connection.
type env struct {
	io   *stdio
	conn *client.Conn
	opts options
	// chunk is the size of an upload's chunks: filesvc.ChunkSize, or a
	// benchmark's.
	chunk int
}

// usageError is a mistake on the command line: exit code 2, and the usage
// of the command is shown.
type usageError struct{ msg string }

// Error returns the mistake, in words for the command's user.
func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// run runs the command line args (without the program's name) and returns
// the exit code.
func run(ctx context.Context, args []string, sio *stdio) int {
	fs := flag.NewFlagSet("files", flag.ContinueOnError)
	fs.SetOutput(sio.err)
	fs.Usage = func() { printUsage(sio.err, fs) }
	var o options
	fs.StringVar(&o.addr, "addr", defaultAddr, "the server, host:port")
	o.tls.Register(fs)
	o.traceFlags.RegisterSummarized(fs)
	fs.Lookup("trace").Usage = "print every HTTP/2 frame read and written to stderr, instead of the progress bar"
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(sio.err, "files: no command given")
		printUsage(sio.err, fs)
		return exitUsage
	}
	name := fs.Arg(0)
	if name == "help" {
		fs.SetOutput(sio.out)
		printUsage(sio.out, fs)
		return exitOK
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == name {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(sio.err, "files: unknown command %q\n", name)
		printUsage(sio.err, fs)
		return exitUsage
	}

	tr, err := o.traceFlags.Tracer(sio.err)
	if err != nil {
		fmt.Fprintln(sio.err, "files:", err)
		return exitUsage
	}
	conn, err := dial(o, tr, sio.observer)
	if err != nil {
		fmt.Fprintln(sio.err, "files:", err)
		return exitUsage
	}
	err = cmd.run(ctx, &env{io: sio, conn: conn, opts: o, chunk: filesvc.ChunkSize}, fs.Args()[1:])
	conn.Close()
	tr.Close() // prints a run of DATA frames held back for its summary
	return exitCode(sio.err, cmd, o, err)
}

// dial returns a lazy connection to the server of o's -addr, over TLS when
// o's flags ask for it, traced by tr when it is not nil.
func dial(o options, tr *trace.Tracer, extra func(client.ConnInfo) observe.Observer) (*client.Conn, error) {
	opts := append(filesvc.ClientOptions(), client.WithUserAgent(userAgent))
	if o.tls.Enabled() {
		tc, err := o.tls.Config()
		if err != nil {
			return nil, err
		}
		opts = append(opts, client.WithTLS(tc))
	}
	if tr != nil || extra != nil {
		opts = append(opts, client.WithFrameObserver(func(ci client.ConnInfo) observe.Observer {
			var obs []observe.Observer
			if tr != nil {
				obs = append(obs, tr.Conn(trace.Client, ci.LocalAddr, ci.RemoteAddr, ci.Start))
			}
			if extra != nil {
				obs = append(obs, extra(ci))
			}
			if len(obs) == 1 {
				return obs[0]
			}
			return observers(obs)
		}))
	}
	return client.Dial(o.addr, opts...)
}

// observers tells every observer of it of each frame, in order.
type observers []observe.Observer

// ObserveFrame passes ev to each observer.
func (obs observers) ObserveFrame(ev *observe.FrameEvent) {
	for _, o := range obs {
		o.ObserveFrame(ev)
	}
}

// printUsage prints the commands and the flags.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "files moves files to and from a files-server over gRPC streams.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "\tfiles [flags] %-26s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags:")
	fmt.Fprintln(w)
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 the server answered with a gRPC status or the transfer failed, 2 usage or connection problem.")
}

// exitCode prints err and returns the exit code it calls for.
func exitCode(w io.Writer, cmd *command, o options, err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "files %s: %s\nusage: files [flags] %s %s\n", cmd.name, ue.msg, cmd.name, cmd.args)
		return exitUsage
	}
	var se *wire.Status
	if errors.As(err, &se) {
		// What a command added around the status, such as how far a
		// download came.
		more := strings.TrimPrefix(err.Error(), se.Error())
		if !se.Remote && se.Code == wire.Unavailable {
			fmt.Fprintf(w, "files %s: the connection to the server at %s (-addr) failed: %s%s\n", cmd.name, o.addr, se.Message, more)
			if hint := connectHint(o, err); hint != "" {
				fmt.Fprintf(w, "files %s: %s\n", cmd.name, hint)
			}
			return exitUsage
		}
		fmt.Fprintf(w, "files %s: %d %s: %s%s\n", cmd.name, uint32(se.Code), se.Code, se.Message, more)
		return exitFailed
	}
	var le *localError
	if errors.As(err, &le) && le.usage {
		fmt.Fprintf(w, "files %s: %v\n", cmd.name, err)
		return exitUsage
	}
	fmt.Fprintf(w, "files %s: %v\n", cmd.name, err)
	return exitFailed
}

// localError is a failure on this side: a file that cannot be read or
// written, a checksum that does not match. With usage, it is the caller's
// mistake (a FILE that does not exist) and the exit code is 2.
type localError struct {
	err   error
	usage bool
}

// Error returns what went wrong on this side.
func (e *localError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *localError) Unwrap() error { return e.err }

// localf returns a localError that is not a usage mistake.
func localf(format string, args ...any) error {
	return &localError{err: fmt.Errorf(format, args...)}
}
