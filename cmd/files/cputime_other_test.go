//go:build !unix

package main

// cpuTime is not measured here; the benchmark's cpu-ns/MiB reads 0.
func cpuTime() int64 { return 0 }
