package main

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// options are the flags every command takes: how to reach the server, where
// the service descriptions come from, what to trace, and the metadata to
// send.
type options struct {
	// Connection.
	plaintext          bool
	cacert             string
	servername         string
	authority          string
	insecureSkipVerify bool
	connectTimeout     time.Duration

	// Metadata sent with every call the command makes (reflection too, as
	// a server may want credentials for it).
	headers stringList

	// Descriptors, when the server has no reflection.
	protoFiles  stringList
	importPaths stringList
	protosets   stringList

	// Trace.
	trace       bool
	traceTimes  bool
	traceValues bool
}

// register adds the common flags to fs.
func (o *options) register(fs *flag.FlagSet) {
	o.registerConnection(fs)
	o.registerDescriptors(fs)
	fs.BoolVar(&o.trace, "trace", false, "print every HTTP/2 frame read and written to stderr")
	o.registerTraceFormat(fs)
}

// registerConnection adds the flags of the connection to the server and
// of the metadata sent on it.
func (o *options) registerConnection(fs *flag.FlagSet) {
	fs.BoolVar(&o.plaintext, "plaintext", false, "speak cleartext HTTP/2 (prior knowledge) instead of TLS")
	fs.StringVar(&o.cacert, "cacert", "", "trust the CA certificates in this PEM `file` instead of the system's")
	fs.StringVar(&o.servername, "servername", "", "the `name` to check in the server's certificate (the ADDR's host by default); also sent as :authority")
	fs.StringVar(&o.authority, "authority", "", "the :authority to send (the ADDR, or -servername, by default), for a server or proxy that routes by it")
	fs.BoolVar(&o.insecureSkipVerify, "insecure-skip-verify", false, "accept any server certificate (TLS without authentication: for tests only)")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", defaultConnectTimeout, "how long to wait for the connection (TCP, TLS, HTTP/2 SETTINGS)")
	fs.Var(&o.headers, "H", "send the metadata `'key: value'` (repeatable); values of keys ending in -bin are base64")
}

// registerDescriptors adds the flags naming local descriptors.
func (o *options) registerDescriptors(fs *flag.FlagSet) {
	fs.Var(&o.protoFiles, "proto", "describe the services from this .proto `file` instead of reflection (repeatable)")
	fs.Var(&o.importPaths, "I", "look for -proto files and their imports in this `dir` (repeatable; . by default)")
	fs.Var(&o.protosets, "protoset", "describe the services from this `file`, a serialized FileDescriptorSet (protoc --descriptor_set_out --include_imports) (repeatable)")
}

// registerTraceFormat adds the flags of how the trace is printed.
func (o *options) registerTraceFormat(fs *flag.FlagSet) {
	fs.BoolVar(&o.traceTimes, "trace-times", true, "print the time since the connection began on every trace line")
	fs.BoolVar(&o.traceValues, "trace-values", false, "show metadata values in the trace (redacted by default)")
}

// usesFiles reports whether the descriptors come from local files rather
// than reflection.
func (o *options) usesFiles() bool {
	return len(o.protoFiles) > 0 || len(o.protosets) > 0
}

// check reports contradictory flags.
func (o *options) check(cmd string) error {
	if o.plaintext && (o.cacert != "" || o.servername != "" || o.insecureSkipVerify) {
		return usagef(cmd, "-plaintext speaks cleartext HTTP/2; -cacert, -servername and -insecure-skip-verify are TLS settings")
	}
	if len(o.importPaths) > 0 && len(o.protoFiles) == 0 {
		return usagef(cmd, "-I gives where -proto files are found; name the files with -proto")
	}
	if o.connectTimeout <= 0 {
		return usagef(cmd, "-connect-timeout must be above zero")
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ", ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// newFlagSet returns the flag set of a command, whose usage names the
// command's arguments and explains them.
func newFlagSet(io *stdio, name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("grpcwire "+name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: grpcwire %s [flags] %s\n\n%s\n\nFlags:\n", name, args, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and checks the number of arguments left, which
// must lie within [min, max].
func parseFlags(fs *flag.FlagSet, cmd string, args []string, min, max int) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, errHelp
		}
		// The flag package printed the error and the usage.
		return nil, &callFailed{code: exitUsage}
	}
	rest := fs.Args()
	for _, a := range rest {
		if strings.HasPrefix(a, "-") && len(a) > 1 && a != "-" {
			return nil, usagef(cmd, "flag %s after the arguments: flags come first, as in grpcwire %s -plaintext ADDR ...", a, cmd)
		}
	}
	if len(rest) < min || len(rest) > max {
		fs.Usage()
		return nil, &callFailed{code: exitUsage}
	}
	return rest, nil
}
