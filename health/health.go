package health

import (
	"context"
	"maps"
	"slices"
	"sync"

	pb "grpcwire/health/grpc_health_v1"
	"grpcwire/server"
	"grpcwire/wire"
)

// Status is a serving status, as Check and Watch report it.
type Status = pb.HealthCheckResponse_ServingStatus

// The serving statuses an application sets.
const (
	Serving    = pb.HealthCheckResponse_SERVING
	NotServing = pb.HealthCheckResponse_NOT_SERVING
)

// MaxListed bounds the services List answers for: "The server may respond
// with a RESOURCE_EXHAUSTED error if too many services exist"
// (health.proto). A server with more should be checked one service at a
// time.
const MaxListed = 1000

// Server implements grpc.health.v1.Health: it keeps a serving status per
// service name and tells Check, List and Watch callers. It is safe for
// concurrent use. Make it with NewServer or Register.
type Server struct {
	pb.UnimplementedHealthServer

	mu       sync.Mutex
	statuses map[string]Status
	watchers map[string]map[*watcher]struct{}
	shutdown bool // Shutdown was called: statuses are NOT_SERVING and stay so until Resume
}

// watcher is one Watch call: the latest status it has yet to send, and
// whether the server is shutting down.
type watcher struct {
	changed chan struct{} // has a value when there is news; buffer of one
	status  Status        // guarded by Server.mu
	ending  bool          // guarded by Server.mu: Shutdown ends the call after its last status
}

// NewServer returns a health server that knows only the server as a whole,
// the empty service name, as SERVING.
func NewServer() *Server {
	return &Server{
		statuses: map[string]Status{"": Serving},
		watchers: make(map[string]map[*watcher]struct{}),
	}
}

// Register adds a health service to s and returns it: the server as a whole
// and every service registered on s so far are SERVING, and every status
// turns NOT_SERVING once s begins to stop. Call it after registering the
// application's services; services registered later are unknown to it
// until set with SetServingStatus.
func Register(s *server.Server) *Server {
	hs := NewServer()
	for _, d := range s.Services() {
		hs.SetServingStatus(d.Name, Serving)
	}
	pb.RegisterHealthServer(s, hs)
	s.RegisterOnShutdown(hs.Shutdown)
	return hs
}

// SetServingStatus sets the status of service ("" for the server as a
// whole) and tells its watchers. After Shutdown it does nothing until
// Resume, so that a service cannot report SERVING from a stopping server.
func (s *Server) SetServingStatus(service string, status Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return
	}
	s.setLocked(service, status)
}

func (s *Server) setLocked(service string, status Status) {
	s.statuses[service] = status
	for w := range s.watchers[service] {
		w.status = status
		notify(w)
	}
}

// notify wakes a watcher without blocking: its buffer holds at most one
// wake-up, and the watcher reads the latest status under the lock.
func notify(w *watcher) {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// Shutdown sets every status to NOT_SERVING and ignores SetServingStatus
// until Resume. Register arranges for it to run when the server begins to
// stop. Watch calls get the NOT_SERVING status and then end with
// UNAVAILABLE, so that a graceful stop does not wait for them: per
// health.proto a client retries the watch, and a stopping server refuses
// the retry.
func (s *Server) Shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = true
	for service := range s.statuses {
		s.setLocked(service, NotServing)
	}
	for _, ws := range s.watchers {
		for w := range ws {
			w.ending = true
			notify(w)
		}
	}
}

// Resume undoes Shutdown: every status turns SERVING again and
// SetServingStatus works again.
func (s *Server) Resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = false
	for service := range s.statuses {
		s.setLocked(service, Serving)
	}
}

// Check returns the status of the requested service. "If the requested
// service is unknown, the call will fail with status NOT_FOUND."
func (s *Server) Check(ctx context.Context, req *pb.HealthCheckRequest) (*pb.HealthCheckResponse, error) {
	s.mu.Lock()
	status, ok := s.statuses[req.GetService()]
	s.mu.Unlock()
	if !ok {
		return nil, wire.Errorf(wire.NotFound, "health: unknown service %q", req.GetService())
	}
	return &pb.HealthCheckResponse{Status: status}, nil
}

// List returns the status of every known service.
func (s *Server) List(ctx context.Context, _ *pb.HealthListRequest) (*pb.HealthListResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.statuses) > MaxListed {
		return nil, wire.Errorf(wire.ResourceExhausted, "health: %d services are more than the %d List answers for; Check them one at a time", len(s.statuses), MaxListed)
	}
	res := &pb.HealthListResponse{Statuses: make(map[string]*pb.HealthCheckResponse, len(s.statuses))}
	for service, status := range s.statuses {
		res.Statuses[service] = &pb.HealthCheckResponse{Status: status}
	}
	return res, nil
}

// Watch sends the requested service's status at once, SERVICE_UNKNOWN for
// an unknown service, and again whenever it changes, until the client
// cancels or the server shuts down.
func (s *Server) Watch(req *pb.HealthCheckRequest, stream server.ServerStreamingServer[pb.HealthCheckResponse]) error {
	service := req.GetService()
	w := &watcher{changed: make(chan struct{}, 1)}
	s.mu.Lock()
	status, ok := s.statuses[service]
	if !ok {
		status = pb.HealthCheckResponse_SERVICE_UNKNOWN
	}
	w.status = status
	w.ending = s.shutdown
	if s.watchers[service] == nil {
		s.watchers[service] = make(map[*watcher]struct{})
	}
	s.watchers[service][w] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watchers[service], w)
		if len(s.watchers[service]) == 0 {
			delete(s.watchers, service)
		}
		s.mu.Unlock()
	}()
	notify(w)

	ctx := stream.Context()
	sent := Status(-1) // nothing sent yet
	for {
		select {
		case <-ctx.Done():
			return wire.StatusOf(ctx.Err())
		case <-w.changed:
		}
		s.mu.Lock()
		status, ending := w.status, w.ending
		s.mu.Unlock()
		// A client wants the latest status, not every one in between; and
		// it is told a status once, not again when it is set again.
		if status != sent {
			if err := stream.Send(&pb.HealthCheckResponse{Status: status}); err != nil {
				return err
			}
			sent = status
		}
		if ending {
			return wire.Errorf(wire.Unavailable, "health: the server is shutting down")
		}
	}
}

// Services returns the names of the services with a status, sorted; the
// server as a whole is "".
func (s *Server) Services() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.statuses))
}
