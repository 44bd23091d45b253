// Package health serves gRPC's health checking protocol, grpc.health.v1.Health
// (grpc/grpc doc/health-checking.md), on a grpcwire server, so that
// grpc-health-probe, Kubernetes gRPC liveness and readiness probes and load
// balancers can ask whether the server, and each of its services, can take
// calls.
//
// One line sets it up, after the application's own services are registered:
//
//	hs := health.Register(s)
//
// The server as a whole (the empty service name) and every service then
// registered report SERVING. The application changes a status with
// hs.SetServingStatus; a service it never named answers Check with
// NOT_FOUND. When the server begins to stop (Stop or GracefulStop), every
// status turns NOT_SERVING, so that probes take the server out of rotation
// while its last calls finish.
//
// It lives beside server and client rather than inside server because it
// is an ordinary gRPC service built on their public API, as an application
// would build one, and it is optional: a server that does not call Register
// carries none of it. grpc-go keeps it in a package of its own for the same
// reasons.
package health
