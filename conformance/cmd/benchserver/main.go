// Command benchserver is the server side of the side-by-side benchmark
// harness (package bench): it serves the Bench service with grpcwire's
// server or grpc-go's (or the floors' raw TCP: -impl tcp writes 1 MiB at a
// time, -impl tcp-echo answers length-prefixed requests) on loopback and
// answers control commands on standard input, one per line, with one JSON
// line on standard output each:
//
//	stats   a snapshot of the process: rusage CPU time and context switches,
//	        runtime/metrics allocations, heap, stacks and goroutines, and
//	        read/write system call counts from /proc/self/io
//	gc      the same after forced garbage collection
//	quit    stop serving, write the profiles asked for, and exit
//
// The first line it writes gives the address it listens on. The bench
// command starts it the same way (as itself in its server role), pinned
// with taskset; run it by hand to profile a server under a load of your own:
//
//	go run ./cmd/benchserver -impl grpcwire -cpuprofile cpu.pprof -memprofile mem.pprof
//
// Flags: -impl (grpcwire, grpc-go, tcp, tcp-echo), -addr, -cpuprofile, -memprofile,
// -memprofilerate, -lifetime.
package main

import (
	"fmt"
	"os"

	"grpcwire/conformance/bench"
)

func main() {
	if err := bench.ServerMain(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
