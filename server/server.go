package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"grpcwire/internal/transport"
)

// Server serves gRPC calls on any number of listeners. Create it with New,
// add services with Register, then call Serve; Stop or GracefulStop end it.
type Server struct {
	opts options

	mu        sync.Mutex
	services  map[string]*service // by full service name
	methods   map[string]*method  // by :path, "/package.Service/Method"
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	stopping  bool // Stop or GracefulStop has begun
	onStop    []func()

	connWG   sync.WaitGroup // one per connection goroutine
	workerWG sync.WaitGroup // one per handler goroutine
	jobs     chan job       // hands a new stream to an idle handler goroutine
	quit     chan struct{}  // closed by Stop: idle handler goroutines exit
	quitOnce sync.Once
}

// service is a registered service: its methods by name.
type service struct {
	desc    *ServiceDesc
	methods map[string]*method
}

// method is a registered method with its interceptor chain folded in.
type method struct {
	desc   *MethodDesc
	info   CallInfo
	unary  UnaryHandler  // Kind == Unary with a typed handler
	stream StreamHandler // every other method
}

// ErrServerStopped is what Serve returns once Stop or GracefulStop has been
// called.
var ErrServerStopped = errors.New("grpcwire/server: the server has been stopped")

// New returns a Server with the given options.
func New(opts ...Option) *Server {
	s := &Server{
		services:  make(map[string]*service),
		methods:   make(map[string]*method),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*serverConn]struct{}),
		jobs:      make(chan job),
		quit:      make(chan struct{}),
	}
	s.opts = defaultOptions()
	for _, o := range opts {
		o.apply(&s.opts)
	}
	return s
}

// Register adds a service. It panics if a service of the same name is
// already registered or if a method name repeats, since both are programming
// errors that would otherwise surface as calls reaching the wrong handler.
// Register must be called before Serve.
func (s *Server) Register(desc *ServiceDesc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.services[desc.Name]; dup {
		panic(fmt.Sprintf("grpcwire/server: service %q registered twice", desc.Name))
	}
	svc := &service{desc: desc, methods: make(map[string]*method, len(desc.Methods))}
	for i := range desc.Methods {
		md := &desc.Methods[i]
		if _, dup := svc.methods[md.Name]; dup {
			panic(fmt.Sprintf("grpcwire/server: method %q of service %q registered twice", md.Name, desc.Name))
		}
		if md.unary == nil && md.stream == nil {
			panic(fmt.Sprintf("grpcwire/server: method %q of service %q has no handler; build it with UnaryMethod, StreamMethod or their kin", md.Name, desc.Name))
		}
		m := &method{desc: md, info: CallInfo{FullMethod: "/" + desc.Name + "/" + md.Name, Kind: md.Kind}}
		if md.unary != nil {
			m.unary = chainUnary(s.opts.unaryInts, &m.info, md.unary)
		} else {
			m.stream = chainStream(s.opts.streamInts, &m.info, md.stream)
		}
		svc.methods[md.Name] = m
	}
	// Only now, with every method checked, does the service become
	// reachable: a Register that panicked leaves nothing half-registered.
	for _, m := range svc.methods {
		s.methods[m.info.FullMethod] = m
	}
	s.services[desc.Name] = svc
}

// Services returns the descriptions of the registered services, sorted by
// name, for health and reflection services and for tests.
func (s *Server) Services() []*ServiceDesc {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*ServiceDesc, 0, len(s.services))
	for _, svc := range s.services {
		out = append(out, svc.desc)
	}
	slices.SortFunc(out, func(a, b *ServiceDesc) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// RegisterOnShutdown adds f to the functions run when Stop or GracefulStop
// begins (health services use it to report NOT_SERVING).
func (s *Server) RegisterOnShutdown(f func()) {
	s.mu.Lock()
	s.onStop = append(s.onStop, f)
	s.mu.Unlock()
}

// Serve accepts connections on l and serves each on its own goroutine until
// Stop or GracefulStop; it then returns ErrServerStopped. Other accept errors
// end Serve with that error, except temporary ones, which are retried after
// a short, growing pause. With the TLS option, or when l yields *tls.Conn,
// every connection must negotiate ALPN "h2".
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		l.Close()
		return ErrServerStopped
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()

	var pause time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			stopping := s.stopping
			s.mu.Unlock()
			if stopping {
				return ErrServerStopped
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				pause = min(max(2*pause, 5*time.Millisecond), time.Second)
				s.opts.logger.Warn("grpcwire: accept failed; retrying", "err", err, "pause", pause)
				select {
				case <-time.After(pause):
				case <-s.quit:
				}
				continue
			}
			return err
		}
		pause = 0
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			nc.Close()
			return ErrServerStopped
		}
		s.connWG.Add(1)
		s.mu.Unlock()
		go s.serveConn(nc)
	}
}

// serverConn is one accepted connection.
type serverConn struct {
	srv  *Server
	tc   *transport.Conn
	peer Peer
}

// TLSInfo describes a TLS connection's negotiated state.
type TLSInfo struct {
	State tls.ConnectionState
}

// serveConn runs one connection until it ends.
func (s *Server) serveConn(nc net.Conn) {
	defer s.connWG.Done()
	peer := Peer{Addr: nc.RemoteAddr(), LocalAddr: nc.LocalAddr()}
	if s.opts.tls != nil {
		cfg := s.opts.tls.Clone()
		if !slices.Contains(cfg.NextProtos, "h2") {
			cfg.NextProtos = append(cfg.NextProtos, "h2")
		}
		nc = tls.Server(nc, cfg)
	}
	if tc, ok := nc.(*tls.Conn); ok {
		if s.opts.handshakeTimeout > 0 {
			tc.SetDeadline(time.Now().Add(s.opts.handshakeTimeout))
		}
		if err := tc.Handshake(); err != nil {
			var rhe tls.RecordHeaderError
			if errors.As(err, &rhe) {
				s.opts.logger.Info("grpcwire: TLS handshake failed: the client did not start TLS; it speaks cleartext to this TLS port (have it dial with TLS)",
					"remote", peer.Addr.String(), "first_bytes", fmt.Sprintf("%q", rhe.RecordHeader[:]))
			} else {
				s.opts.logger.Info("grpcwire: TLS handshake failed", "remote", peer.Addr.String(), "err", err)
			}
			nc.Close()
			return
		}
		tc.SetDeadline(time.Time{})
		st := tc.ConnectionState()
		if st.NegotiatedProtocol != "h2" {
			s.opts.logger.Info("grpcwire: closing TLS connection that did not negotiate ALPN h2; gRPC needs HTTP/2",
				"remote", peer.Addr.String(), "alpn", st.NegotiatedProtocol)
			nc.Close()
			return
		}
		peer.TLS = &TLSInfo{State: st}
	}
	sc := &serverConn{srv: s, peer: peer}
	cfg := transport.Config{
		MaxFrameSize:         s.opts.maxFrameSize,
		InitialWindowSize:    s.opts.initialWindow,
		ConnWindowSize:       s.opts.connWindow,
		MaxConcurrentStreams: s.opts.maxConcurrentStreams,
		MaxHeaderListSize:    s.opts.maxHeaderListSize,
		ReadBufferSize:       s.opts.readBuffer,
		WriteBufferSize:      s.opts.writeBuffer,
		HandshakeTimeout:     s.opts.handshakeTimeout,
		GracefulPingBound:    s.opts.gracefulPingBound,
		Logger:               s.opts.logger,
		OnStream:             func(ts *transport.Stream) { s.dispatch(sc, ts) },
		Keepalive:            s.keepaliveConfig(),
	}
	if s.opts.observer != nil {
		cfg.Observer = s.opts.observer(ConnInfo{LocalAddr: nc.LocalAddr().String(), RemoteAddr: nc.RemoteAddr().String(), Start: time.Now()})
	}
	sc.tc = transport.NewServerConn(nc, cfg)
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.conns[sc] = struct{}{}
	s.mu.Unlock()
	err := sc.tc.Run()
	s.mu.Lock()
	delete(s.conns, sc)
	s.mu.Unlock()
	var pe *transport.ProtocolError
	if errors.As(err, &pe) {
		s.opts.logger.Info("grpcwire: connection ended", "remote", peer.Addr.String(), "err", err)
	}
}

func (s *Server) keepaliveConfig() transport.KeepaliveConfig {
	ka := transport.KeepaliveConfig{
		Time:                       s.opts.keepalive.Time,
		Timeout:                    s.opts.keepalive.Timeout,
		PermitWithoutStream:        true,
		MaxConnectionIdle:          s.opts.keepalive.MaxConnectionIdle,
		MaxConnectionAge:           s.opts.keepalive.MaxConnectionAge,
		MaxConnectionAgeGrace:      s.opts.keepalive.MaxConnectionAgeGrace,
		EnforceMinTime:             s.opts.enforcement.MinTime,
		EnforcePermitWithoutStream: s.opts.enforcement.PermitWithoutStream,
		MaxPingStrikes:             s.opts.enforcement.MaxStrikes,
	}
	return ka
}

// ServeContext serves l as Serve does until ctx ends, then stops
// gracefully (GracefulStop), giving the calls in flight at most grace to
// finish before they are cut (grace <= 0: no bound). It returns nil after
// such a stop, and Serve's error when serving ends otherwise. It is the main
// loop of a server program, with ctx from signal.NotifyContext so that
// Ctrl-C and SIGTERM stop it gracefully; grpcwire's server programs use it.
func (s *Server) ServeContext(ctx context.Context, l net.Listener, grace time.Duration) error {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		sctx := context.Background()
		if grace > 0 {
			var cancel context.CancelFunc
			sctx, cancel = context.WithTimeout(sctx, grace)
			defer cancel()
		}
		s.GracefulStop(sctx)
	}()
	err := s.Serve(l)
	close(done)
	<-stopped
	if errors.Is(err, ErrServerStopped) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Stop stops the server at once: listeners and connections close, every
// call's context is cancelled and clients see UNAVAILABLE. Stop returns once
// every connection goroutine and every handler has returned, so handlers
// must honour their context.
func (s *Server) Stop() {
	s.beginStop()
	s.mu.Lock()
	conns := make([]*serverConn, 0, len(s.conns))
	for sc := range s.conns {
		conns = append(conns, sc)
	}
	s.mu.Unlock()
	for _, sc := range conns {
		sc.tc.Close()
	}
	s.connWG.Wait()
	s.quitOnce.Do(func() { close(s.quit) })
	s.workerWG.Wait()
}

// GracefulStop stops accepting connections, tells every client with GOAWAY
// to start no new calls (in two phases, so that calls already on their way
// are not lost), lets the calls in flight run to completion and returns when
// the last connection has closed. When ctx ends first, whatever remains is
// cut as by Stop.
func (s *Server) GracefulStop(ctx context.Context) {
	s.beginStop()
	s.mu.Lock()
	conns := make([]*serverConn, 0, len(s.conns))
	for sc := range s.conns {
		conns = append(conns, sc)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, sc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc.tc.GracefulShutdown(ctx)
		}()
	}
	wg.Wait()
	s.Stop()
}

// beginStop closes the listeners and runs the shutdown hooks, once.
func (s *Server) beginStop() {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return
	}
	s.stopping = true
	for l := range s.listeners {
		l.Close()
	}
	hooks := s.onStop
	s.mu.Unlock()
	for _, f := range hooks {
		f()
	}
}
