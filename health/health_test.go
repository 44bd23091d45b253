package health_test

import (
	"context"
	"testing"
	"time"

	"grpcwire/client"
	"grpcwire/health"
	pb "grpcwire/health/grpc_health_v1"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// callTimeout bounds each call of these tests.
const callTimeout = 10 * time.Second

// serve starts a server with the users.Users service and health, and
// returns the server, its health service and a connection to it.
func serve(t *testing.T) (*server.Server, *health.Server, *client.Conn) {
	t.Helper()
	s := server.New()
	userspb.RegisterUsersServer(s, userspb.UnimplementedUsersServer{})
	hs := health.Register(s)
	cc := testsvc.Dial(t, testsvc.Serve(t, s))
	return s, hs, cc
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), callTimeout)
	t.Cleanup(cancel)
	return c
}

// TestCheck walks Check's answers: the server and every service registered
// before Register are SERVING, a status set by the application is
// reported, and an unknown service is NOT_FOUND.
func TestCheck(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, hs, cc := serve(t)
	hc := pb.NewHealthClient(cc)
	hs.SetServingStatus("custom.Service", health.NotServing)
	for _, tc := range []struct {
		service string
		want    pb.HealthCheckResponse_ServingStatus
		code    wire.Code
	}{
		{"", health.Serving, wire.OK},
		{userspb.Users_ServiceName, health.Serving, wire.OK},
		{pb.Health_ServiceName, 0, wire.NotFound}, // registered after Register looked
		{"custom.Service", health.NotServing, wire.OK},
		{"no.Such", 0, wire.NotFound},
	} {
		res, err := hc.Check(ctx(t), &pb.HealthCheckRequest{Service: tc.service})
		if wire.CodeOf(err) != tc.code || res.GetStatus() != tc.want {
			t.Errorf("Check(%q) = %v, %v; want %v, code %v", tc.service, res.GetStatus(), err, tc.want, tc.code)
		}
	}
}

// TestList returns every status at once.
func TestList(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, hs, cc := serve(t)
	hc := pb.NewHealthClient(cc)
	hs.SetServingStatus("b.B", health.NotServing)
	res, err := hc.List(ctx(t), &pb.HealthListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]pb.HealthCheckResponse_ServingStatus{"": health.Serving, userspb.Users_ServiceName: health.Serving, "b.B": health.NotServing}
	if len(res.GetStatuses()) != len(want) {
		t.Errorf("List = %v; want %v", res.GetStatuses(), want)
	}
	for k, v := range want {
		if got := res.GetStatuses()[k].GetStatus(); got != v {
			t.Errorf("List[%q] = %v; want %v", k, got, v)
		}
	}
}

// recvStatus reads the next Watch status.
func recvStatus(t *testing.T, next func() (*pb.HealthCheckResponse, error, bool)) pb.HealthCheckResponse_ServingStatus {
	t.Helper()
	res, err, ok := next()
	if !ok || err != nil {
		t.Fatalf("Watch ended: %v", err)
	}
	return res.GetStatus()
}

// TestWatch checks the stream of changes: the current status at once,
// then each change, a status set again not sent again, and SERVICE_UNKNOWN for a service not (yet) known.
func TestWatch(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	_, hs, cc := serve(t)
	for _, tc := range []struct {
		name    string
		service string
		first   pb.HealthCheckResponse_ServingStatus
	}{
		{"known", userspb.Users_ServiceName, health.Serving},
		{"unknown", "later.Service", pb.HealthCheckResponse_SERVICE_UNKNOWN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, cancel := context.WithCancel(ctx(t))
			defer cancel()
			stream, err := client.NewServerStream[pb.HealthCheckRequest, pb.HealthCheckResponse](c, cc, pb.Health_Watch_FullMethodName, &pb.HealthCheckRequest{Service: tc.service})
			if err != nil {
				t.Fatal(err)
			}
			next := func() (*pb.HealthCheckResponse, error, bool) {
				m, err := stream.Recv()
				return m, err, err == nil
			}
			if got := recvStatus(t, next); got != tc.first {
				t.Fatalf("first status %v; want %v", got, tc.first)
			}
			hs.SetServingStatus(tc.service, health.NotServing)
			if got := recvStatus(t, next); got != health.NotServing {
				t.Fatalf("status after the change %v; want NOT_SERVING", got)
			}
			// A status set again is not sent again: the next one the
			// client sees is the change that follows.
			hs.SetServingStatus(tc.service, health.NotServing)
			hs.SetServingStatus(tc.service, health.Serving)
			if got := recvStatus(t, next); got != health.Serving {
				t.Fatalf("status after the second change %v; want SERVING", got)
			}
			cancel()
			if _, err := stream.Recv(); wire.CodeOf(err) != wire.Canceled {
				t.Fatalf("Recv after cancel = %v; want CANCELLED", err)
			}
		})
	}
}

// TestShutdown checks that when the server begins a graceful stop every
// status turns NOT_SERVING, watchers are told and their calls end so the
// stop completes, and SetServingStatus is ignored until Resume.
func TestShutdown(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	s, hs, cc := serve(t)
	stream, err := client.NewServerStream[pb.HealthCheckRequest, pb.HealthCheckResponse](ctx(t), cc, pb.Health_Watch_FullMethodName, &pb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := stream.Recv(); err != nil || m.GetStatus() != health.Serving {
		t.Fatalf("first status %v, %v; want SERVING", m, err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		gctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		s.GracefulStop(gctx)
	}()
	if m, err := stream.Recv(); err != nil || m.GetStatus() != health.NotServing {
		t.Fatalf("status during the stop %v, %v; want NOT_SERVING", m, err)
	}
	if _, err := stream.Recv(); wire.CodeOf(err) != wire.Unavailable {
		t.Fatalf("Watch during the stop ended with %v; want UNAVAILABLE", err)
	}
	select {
	case <-stopped:
	case <-time.After(callTimeout):
		t.Fatal("GracefulStop did not return: the Watch call held it")
	}
	check := func(service string) health.Status {
		res, err := hs.Check(t.Context(), &pb.HealthCheckRequest{Service: service})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetStatus()
	}
	for _, svc := range []string{"", userspb.Users_ServiceName} {
		if got := check(svc); got != health.NotServing {
			t.Errorf("Check(%q) after the stop = %v; want NOT_SERVING", svc, got)
		}
	}
	hs.SetServingStatus("", health.Serving)
	if got := check(""); got != health.NotServing {
		t.Errorf("SetServingStatus after Shutdown took effect: %v", got)
	}
	hs.Resume()
	if got := check(userspb.Users_ServiceName); got != health.Serving {
		t.Errorf("Check after Resume = %v; want SERVING", got)
	}
}
