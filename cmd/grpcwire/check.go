package main

import (
	"context"
	"fmt"
	"net"
	"regexp"

	"grpcwire/cmd/grpcwire/internal/check"
)

// checkAbout is the check command's description in its usage.
const checkAbout = `check runs black-box checks of the gRPC protocol against the server at ADDR,
each named by the spec sentence it tests (grpc/grpc doc/PROTOCOL-HTTP2.md,
statuscodes.md, compression.md, and RFC 9113 where gRPC relies on it), and
prints one line per check: pass, fail with what was expected and what came,
or skip with why; then "N passed, M failed, K skipped". The checks that call
grpc.testing.TestService (the interop server of every gRPC implementation
has it) skip on a server without it. The exit code is 0 when no check
failed, 1 when one did, 2 when the server could not be reached.`

// runCheck is "grpcwire check [flags] ADDR".
func runCheck(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet(io, "check", "ADDR", checkAbout)
	var o options
	fs.BoolVar(&o.plaintext, "plaintext", false, "speak cleartext HTTP/2 (prior knowledge) instead of TLS")
	fs.StringVar(&o.cacert, "cacert", "", "trust the CA certificates in this PEM `file` instead of the system's")
	fs.StringVar(&o.servername, "servername", "", "the `name` to check in the server's certificate (the ADDR's host by default); also sent as :authority")
	fs.StringVar(&o.authority, "authority", "", "the :authority to send (the ADDR, or -servername, by default)")
	fs.BoolVar(&o.insecureSkipVerify, "insecure-skip-verify", false, "accept any server certificate (TLS without authentication: for tests only)")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", defaultConnectTimeout, "how long to wait for the first connection (TCP, TLS, HTTP/2 SETTINGS)")
	verbose := fs.Bool("v", false, "print the frames of every failing check (the trace)")
	runPattern := fs.String("run", "", "run only the checks whose ID matches this regular `expression`")
	asJSON := fs.Bool("json", false, "print the results as one JSON object, for tools")
	timeout := fs.Duration("timeout", check.DefaultTimeout, "bound each check to this `duration`")
	parallel := fs.Int("parallel", check.DefaultParallel, "run this many checks at once (each has its own connection)")
	list := fs.Bool("list", false, "list the checks and the sentences they test, without contacting a server")
	rest, err := parseFlags(fs, "check", args, 0, 1)
	if err != nil {
		return err
	}
	if *list {
		for _, c := range check.Catalogue {
			fmt.Fprintf(io.out, "%s\t%s\t%s\n", c.ID, c.What, c.Ref)
		}
		return nil
	}
	if len(rest) != 1 {
		fs.Usage()
		return &callFailed{code: exitUsage}
	}
	addr := rest[0]
	if err := o.check("check"); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return usagef("check", "the address %q is not host:port (as in localhost:50051): %v", addr, err)
	}
	if *timeout <= 0 || *parallel <= 0 {
		return usagef("check", "-timeout and -parallel must be above zero")
	}
	cfg := check.Config{Addr: addr, Authority: o.authority, Timeout: *timeout, Parallel: *parallel, Trace: *verbose}
	if cfg.Authority == "" {
		cfg.Authority = o.servername
	}
	if *runPattern != "" {
		if cfg.Run, err = regexp.Compile(*runPattern); err != nil {
			return usagef("check", "-run: %v", err)
		}
	}
	if !o.plaintext {
		if cfg.TLS, err = o.tlsConfig(); err != nil {
			return err
		}
	}
	dctx, cancel := context.WithTimeout(ctx, o.connectTimeout+*timeout)
	env, err := check.Discover(dctx, cfg)
	cancel()
	if err != nil {
		// check dials with its own scripted HTTP/2 client, not
		// client.Dial, so its failures carry no client.ConnectError.
		hint := "is it a gRPC server speaking TLS? add -plaintext for cleartext HTTP/2"
		if o.plaintext {
			hint = "is a gRPC server listening there in cleartext HTTP/2? leave -plaintext out if it wants TLS"
		}
		return fmt.Errorf("cannot check %s: %v (%s)", addr, err, hint)
	}
	reports := check.Run(ctx, cfg, env, check.Catalogue)
	if *asJSON {
		if err := check.WriteJSON(io.out, addr, env, reports, *verbose); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(io.out, "grpcwire check %s: %s\n", addr, env.Found)
		check.WriteText(io.out, reports, *verbose)
	}
	if _, failed, _ := check.Summary(reports); failed > 0 {
		return &callFailed{code: exitStatus}
	}
	return nil
}
