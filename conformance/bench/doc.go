// Package bench is the side-by-side benchmark harness: it measures
// grpcwire's server against grpc-go's native server under two load
// generators (grpcwire's client and grpc-go's), and grpcwire's client
// against grpc-go's client, on the same machine, in one run, beside the
// floors that no gRPC stack can beat there: raw TCP with the same payloads
// (floor.go).
//
// Each measurement starts a fresh server process (the bench command run in
// its server role, or cmd/benchserver), pinned with taskset to one core with
// GOMAXPROCS=1, while the load generator runs pinned to the other core. The
// server answers a tiny control protocol on its standard input and output
// (control.go): "stats" returns a JSON snapshot of its own rusage,
// runtime/metrics allocation counters and read/write system call counts, so
// that CPU, allocations and system calls per operation are the server's own
// and not estimates. Implementations alternate A B A B over the rounds and
// the report gives medians and the ratio of each round (report.go).
//
// Layout:
//
//	defaults.go   every bound and default of the harness, with its reason
//	service.go    the Bench service on grpcwire and on grpc-go, alike
//	snapshot.go   a process's counters: rusage, runtime/metrics, /proc/self/io
//	rusage_unix.go  getrusage(2) for snapshot.go (rusage_other.go: zero elsewhere)
//	control.go    the server role: serve, answer commands, write profiles
//	launch.go     starting a server: a pinned child process, or in-process
//	clients.go    the load generator's connection on grpc-go or grpcwire
//	workloads.go  the table of workloads
//	load.go       driving one workload for one window
//	histogram.go  the latency histogram
//	memory.go     bytes and goroutines per idle connection and stream
//	floor.go      the floors: raw TCP ping-pong and stream, their client and echo server
//	tcp.go        the streaming floor's server (1 MiB writes) and why its write size
//	run.go        rounds, A/B alternation, what is measured against what
//	report.go     the Markdown report
//	machine.go    cores, CPU model, pinning (the open-file limit: machine_unix.go)
package bench
