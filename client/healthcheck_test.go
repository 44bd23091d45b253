package client_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/health"
	pb "grpcwire/health/grpc_health_v1"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// TestHealthNotServingGetsNoCalls: with client-side health checking
// (round_robin and healthCheckConfig), a backend whose health service turns
// NOT_SERVING leaves the rotation, without a failed call, while its
// connection stays up; once it says SERVING again it gets its share again.
func TestHealthNotServingGetsNoCalls(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 3, backendOpts{health: true})
	cc := testsvc.Dial(t, ipv4Target(bs), client.WithServiceConfig(roundRobinHealth))
	ctx, cancel := context.WithTimeout(context.Background(), 2*testsvc.Timeout)
	defer cancel()
	callUntil(t, ctx, cc, bs, bs...)

	bs[1].health.SetServingStatus("", health.NotServing)
	// The client learns it one round trip later; until then b1 may still
	// get a call.
	callUntil(t, ctx, cc, bs, bs[0], bs[2])
	before := counts(bs)
	for range 300 {
		if _, err := echo(ctx, cc, "b1 is not serving"); err != nil {
			t.Fatal(err)
		}
	}
	got := since(bs, before)
	t.Logf("b1 NOT_SERVING: 300 calls spread %v", got)
	if !slices.Equal(got, []int64{150, 0, 150}) {
		t.Errorf("with b1 NOT_SERVING, 300 calls spread %v; want 150, 0, 150", got)
	}

	bs[1].health.SetServingStatus("", health.Serving)
	callUntil(t, ctx, cc, bs, bs...)
	before = counts(bs)
	for range 300 {
		if _, err := echo(ctx, cc, "b1 is back"); err != nil {
			t.Fatal(err)
		}
	}
	got = since(bs, before)
	t.Logf("b1 SERVING again: 300 calls spread %v", got)
	if !slices.Equal(got, []int64{100, 100, 100}) {
		t.Errorf("with b1 SERVING again, 300 calls spread %v; want 100 each", got)
	}
}

// TestHealthUnimplementedStaysInRotation: a backend without a health
// service answers Watch with UNIMPLEMENTED, and "the client will act as if
// health checking is disabled" (gRFC A17): it takes its share of the calls.
func TestHealthUnimplementedStaysInRotation(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	withHealth := startBackends(t, 2, backendOpts{health: true})
	without := startBackends(t, 1, backendOpts{})
	bs := []*backend{withHealth[0], without[0], withHealth[1]}
	cc := testsvc.Dial(t, ipv4Target(bs), client.WithServiceConfig(roundRobinHealth))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	callUntil(t, ctx, cc, bs, bs...)
	before := counts(bs)
	for range 300 {
		if _, err := echo(ctx, cc, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if got := since(bs, before); !slices.Equal(got, []int64{100, 100, 100}) {
		t.Errorf("300 calls spread %v, want 100 each (the backend without health included)", got)
	}
}

// TestHealthAllNotServingFailsFast: when every backend is connected but
// none reports SERVING, a call fails fast with UNAVAILABLE saying so, and a
// wait-for-ready call waits until one serves again.
func TestHealthAllNotServingFailsFast(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	bs := startBackends(t, 2, backendOpts{health: true})
	for _, b := range bs {
		b.health.SetServingStatus("", health.NotServing)
	}
	cc := testsvc.Dial(t, ipv4Target(bs), client.WithServiceConfig(roundRobinHealth))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	// The first call may wait for the connections and their first health
	// answers; then it fails.
	_, err := echo(ctx, cc, "nobody serves")
	wantStatus(t, err, wire.Unavailable, "NOT_SERVING")
	waiting := testsvc.Go(t, func() error {
		_, err := echo(ctx, cc, "wait", client.WaitForReady(true))
		return err
	})
	bs[0].health.SetServingStatus("", health.Serving)
	if err := waiting(); err != nil {
		t.Fatalf("wait-for-ready call once b0 serves: %v", err)
	}
}

// TestHealthMessagesWireCompatible: the client speaks grpc.health.v1
// without its generated package (which imports the client), with
// wrapperspb messages of the same wire form. This pins that they are.
func TestHealthMessagesWireCompatible(t *testing.T) {
	req, err := proto.Marshal(wrapperspb.String("users.Users"))
	if err != nil {
		t.Fatal(err)
	}
	var hreq pb.HealthCheckRequest
	if err := proto.Unmarshal(req, &hreq); err != nil || hreq.Service != "users.Users" {
		t.Errorf("StringValue as HealthCheckRequest: %v, %v", hreq.Service, err)
	}
	for _, status := range []pb.HealthCheckResponse_ServingStatus{
		pb.HealthCheckResponse_UNKNOWN, pb.HealthCheckResponse_SERVING,
		pb.HealthCheckResponse_NOT_SERVING, pb.HealthCheckResponse_SERVICE_UNKNOWN,
	} {
		res, err := proto.Marshal(&pb.HealthCheckResponse{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		var v wrapperspb.Int32Value
		if err := proto.Unmarshal(res, &v); err != nil || v.Value != int32(status) {
			t.Errorf("HealthCheckResponse %v as Int32Value: %v, %v", status, v.Value, err)
		}
	}
	if pb.Health_Watch_FullMethodName != "/grpc.health.v1.Health/Watch" {
		t.Errorf("Watch's path is %q", pb.Health_Watch_FullMethodName)
	}
}
