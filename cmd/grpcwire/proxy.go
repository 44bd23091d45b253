package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"grpcwire/tap"
	"grpcwire/trace"
)

const proxyAbout = `proxy is a wire tap: it listens on -listen and, for every connection a gRPC
client makes to it, opens one to the server at TARGET and forwards every byte
both ways unchanged, while it prints the frames of both sides to stderr in the
trace's format: "->" what the client sent the server, "<-" what the server
sent back, one connection line per accepted connection with both addresses.
Neither side's behaviour changes: their SETTINGS, windows, pings and HPACK
tables pass through; two passive HPACK decoders follow each direction's
table. What cannot be parsed is marked in the trace and still forwarded.

The messages are decoded by the stream's :path, with the types the target's
server reflection gives (asked on a connection of the proxy's own), or those
of -proto/-protoset; without either they are shown as bytes. -H and
-authority apply to that reflection connection only: the clients' own
requests pass unchanged.

Towards the target it speaks TLS, or cleartext HTTP/2 with -plaintext. The
listening side is cleartext unless -cert and -key are given: then it ends
TLS there (ALPN h2), so a TLS client can be watched too.

-json also writes one JSON object per frame to stdout; -html FILE writes the
trace as a self-contained HTML page drawing each connection as a sequence
diagram. Ctrl-C stops the proxy.`

// proxyFlags are the flags of proxy.
type proxyFlags struct {
	options
	listen     string
	cert, key  string
	json       bool
	html       string
	reflection bool
}

// runProxy is "grpcwire proxy".
func runProxy(ctx context.Context, io *stdio, args []string) error {
	var f proxyFlags
	fs := newFlagSet(io, "proxy", "-listen HOST:PORT TARGET", proxyAbout)
	f.registerConnection(fs)
	f.registerDescriptors(fs)
	f.registerTraceFormat(fs)
	fs.StringVar(&f.listen, "listen", "", "the `address` to listen on, HOST:PORT (port 0 picks a free one, which the first line names)")
	fs.StringVar(&f.cert, "cert", "", "with -key, end TLS on the listening side with this PEM certificate `file` (ALPN h2)")
	fs.StringVar(&f.key, "key", "", "the PEM private key `file` of -cert")
	fs.BoolVar(&f.json, "json", false, "also write the trace to stdout as JSON, one object per frame")
	fs.StringVar(&f.html, "html", "", "also write the trace to this `file` as an HTML page, a sequence diagram of each connection")
	fs.BoolVar(&f.reflection, "reflection", true, "ask the target's server reflection for the message types (unless -proto or -protoset)")
	rest, err := parseFlags(fs, "proxy", args, 1, 1)
	if err != nil {
		return err
	}
	if err := f.check("proxy"); err != nil {
		return err
	}
	if f.listen == "" {
		return usagef("proxy", "-listen is required: the address clients connect to, as in -listen 127.0.0.1:50052")
	}
	if _, _, err := net.SplitHostPort(f.listen); err != nil {
		return usagef("proxy", "-listen %q is not HOST:PORT: %v", f.listen, err)
	}
	target := rest[0]
	if _, _, err := net.SplitHostPort(target); err != nil {
		return usagef("proxy", "the target %q is not HOST:PORT (as in localhost:50051): %v", target, err)
	}
	if (f.cert == "") != (f.key == "") {
		return usagef("proxy", "-cert and -key go together: the listening side's certificate and its key")
	}
	p := &proxy{f: &f, io: io, target: target}
	return p.run(ctx)
}

// proxy is one run of "grpcwire proxy".
type proxy struct {
	f      *proxyFlags
	io     *stdio
	target string

	listenTLS *tls.Config // nil for a cleartext listener
	targetTLS *tls.Config // nil with -plaintext
	tr        *trace.Tracer
}

// run listens and serves until ctx ends.
func (p *proxy) run(ctx context.Context) error {
	f := p.f
	if f.cert != "" {
		cert, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return fmt.Errorf("-cert and -key: %w", err)
		}
		// "h2" only: a gRPC client over TLS must negotiate it.
		p.listenTLS = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12}
	}
	if !f.plaintext {
		cfg, err := f.tlsConfig()
		if err != nil {
			return err
		}
		cfg.NextProtos = []string{"h2"}
		p.targetTLS = cfg
	}

	methods, err := newMethodFinder(ctx, &f.options, p.target, f.reflection)
	if err != nil {
		return err
	}
	defer methods.Close()
	opts := append(trace.FlagOptions(f.traceValues, f.traceTimes), trace.FindMethods(methods.find))
	if f.json {
		opts = append(opts, trace.JSONTo(p.io.out))
	}
	var page *os.File
	if f.html != "" {
		if page, err = os.Create(f.html); err != nil {
			return fmt.Errorf("-html: %w", err)
		}
		opts = append(opts, trace.HTMLTo(page))
	}
	p.tr = trace.New(p.io.err, opts...)
	defer func() {
		_ = p.tr.Close()
		if page != nil {
			_ = page.Close()
		}
	}()

	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", f.listen, err)
	}
	fmt.Fprintf(p.io.err, "grpcwire proxy: listening on %s (%s), forwarding to %s (%s)\n",
		ln.Addr(), p.listenMode(), p.target, p.targetMode())

	// Learn the target's services before the first connection is
	// accepted, so that the trace decodes the first calls and no lookup
	// ever waits in the forwarding path (see methodFinder).
	methods.warm()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accepting connections on %s: %w", ln.Addr(), err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.serve(ctx, conn)
		}()
	}
}

// listenMode and targetMode name how each side is spoken to.
func (p *proxy) listenMode() string {
	if p.listenTLS != nil {
		return "TLS"
	}
	return "cleartext"
}

func (p *proxy) targetMode() string {
	if p.targetTLS != nil {
		return "TLS"
	}
	return "cleartext"
}

// serve watches one client connection: TLS with the client when asked,
// a connection of its own to the target, then every byte forwarded both
// ways while a follower traces both sides. Whatever fails is a note in the
// connection's trace; the proxy goes on serving other connections.
func (p *proxy) serve(ctx context.Context, client net.Conn) {
	start := time.Now()
	clientAddr := client.RemoteAddr().String()
	if p.listenTLS != nil {
		tc := tls.Server(client, p.listenTLS)
		hctx, cancel := context.WithTimeout(ctx, p.f.connectTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = client.Close()
			ct := p.tr.Conn(trace.Proxy, clientAddr, p.target, start)
			ct.Note(time.Now(), fmt.Sprintf("the TLS handshake with the client failed (%v); the proxy closed the connection", err))
			return
		}
		client = tc
	}
	server, err := p.dialTarget(ctx)
	if err != nil {
		_ = client.Close()
		ct := p.tr.Conn(trace.Proxy, clientAddr, p.target, start)
		ct.Note(time.Now(), fmt.Sprintf("cannot connect to the server: %v; the proxy closed the client's connection", err))
		return
	}
	ct := p.tr.Conn(trace.Proxy, clientAddr, server.RemoteAddr().String(), start)
	if tc, ok := client.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol != "h2" {
		ct.Note(time.Now(), "the client did not negotiate h2 in TLS's ALPN, as gRPC clients must; forwarding anyway")
	}
	if tc, ok := server.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol != "h2" {
		ct.Note(time.Now(), "the server did not agree to h2 in TLS's ALPN; forwarding anyway")
	}
	follower := tap.NewFollower(ct, ct.Note)
	tap.Forward(ctx, client, server, follower, ct.Note, 0)
}

// dialTarget opens the proxy's connection to the target, in TLS unless
// -plaintext, within -connect-timeout.
func (p *proxy) dialTarget(ctx context.Context) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, p.f.connectTimeout)
	defer cancel()
	if p.targetTLS == nil {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", p.target)
	}
	d := tls.Dialer{Config: p.targetTLS}
	c, err := d.DialContext(ctx, "tcp", p.target)
	if err != nil {
		// The proxy dials with crypto/tls itself (it forwards bytes, it
		// makes no calls), so there is no client.ConnectError to word.
		return nil, fmt.Errorf("%w (is %s a TLS server? -plaintext speaks cleartext HTTP/2 to it; -cacert, -servername and -insecure-skip-verify shape the TLS check)", err, p.target)
	}
	return c, nil
}
