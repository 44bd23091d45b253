package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"grpcwire/client"
)

// benchFileSize is the file each benchmark iteration moves: large enough
// that the connection's start is noise, small enough for /dev/shm.
const benchFileSize = 256 << 20

// BenchmarkChunkSize moves a 256 MiB file up and down over loopback with
// each chunk size, server and client in this process: the measurement
// behind filesvc.ChunkSize.
//
//	go test -run='^$' -bench=ChunkSize -benchtime=5x ./cmd/files
func BenchmarkChunkSize(b *testing.B) {
	dir := fastDir(b)
	src := randomFile(b, dir, "src", benchFileSize, 1)
	for _, size := range []int{16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20, 2 << 20} {
		srv := startServer(b, filepath.Join(dir, fmt.Sprint("srv", size)))
		srv.svc.SetChunkSize(size)
		conn, err := client.Dial(srv.addr)
		if err != nil {
			b.Fatal(err)
		}
		e := &env{io: &stdio{out: nullWriter{}, err: nullWriter{}}, conn: conn, chunk: size}
		label := fmt.Sprintf("%dKiB", size>>10)
		b.Run("put/"+label, func(b *testing.B) {
			b.SetBytes(benchFileSize)
			cpu := cpuTime()
			for b.Loop() {
				if err := put(context.Background(), e, src, "f", false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/(benchFileSize>>20), "cpu-ns/MiB")
		})
		b.Run("get/"+label, func(b *testing.B) {
			b.SetBytes(benchFileSize)
			out := filepath.Join(dir, "out")
			cpu := cpuTime()
			for b.Loop() {
				if err := get(context.Background(), e, "f", out, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/(benchFileSize>>20), "cpu-ns/MiB")
			os.Remove(out)
		})
		conn.Close()
		os.RemoveAll(srv.dir)
	}
}

// nullWriter discards what it is given.
type nullWriter struct{}

func (nullWriter) Write(p []byte) (int, error) { return len(p), nil }
