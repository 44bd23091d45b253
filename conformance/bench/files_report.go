package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// filesSection writes the files section of the report.
func (r *Results) filesSection(w io.Writer) {
	f := r.Files
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("## Files: a %s file over loopback", sizeName(int(f.Size)))
	p("")
	p("One file moved up (upload) and down (download) by a client process and a server process, %s;", f.Pinning)
	p("the files are in %s. Every side does the same work: it reads the file in chunks, hashes them", f.Dir)
	p("with SHA-256, writes the other file, and checks the SHA-256 at the end. grpcwire is its files-server and")
	p("files programs; grpc-go is the same service and storage on grpc-go (conformance/filesgo) with a grpc-go")
	p("client; raw TCP moves the same bytes between the same storage code over a plain TCP connection, with")
	p("reads and writes of the same chunk size: what the wire allows with that file work. Throughput is the")
	p("file's bytes over the client process's run (start to exit); capacity is the file's bytes over the CPU")
	p("time of the busier side, what the transfer reaches when each side has its CPU to itself (on a shared")
	p("machine other programs take turns on the pinned CPUs, and the wall clock shows it); medians of %d rounds.", len(f.Rounds))
	p("")
	p("| direction | measure | raw TCP | grpcwire | grpc-go | grpcwire ÷ raw TCP | grpcwire ÷ grpc-go |")
	p("|---|---|---:|---:|---:|---:|---:|")
	for _, dir := range []string{Upload, Download} {
		for _, m := range []struct {
			name string
			of   func(Transfer) float64
		}{{"throughput", Transfer.Rate}, {"capacity", Transfer.Capacity}} {
			tcp, wire, gogo := f.median(FileImplTCP, dir, m.of), f.median(FileImplWire, dir, m.of), f.median(FileImplGo, dir, m.of)
			p("| %s | %s | %s | %s | %s | **%.2f** | **%.2f** |", dir, m.name, formatBytesRate(tcp), formatBytesRate(wire), formatBytesRate(gogo), ratio(wire, tcp), ratio(wire, gogo))
		}
	}
	p("")
	p("CPU per GiB moved, server / client (getrusage of each process):")
	p("")
	p("| direction | raw TCP | grpcwire | grpc-go |")
	p("|---|---:|---:|---:|")
	for _, dir := range []string{Upload, Download} {
		cells := make([]string, 0, 3)
		for _, impl := range []string{FileImplTCP, FileImplWire, FileImplGo} {
			perGiB := func(d func(Transfer) time.Duration) func(Transfer) float64 {
				return func(t Transfer) float64 { return float64(d(t)) / float64(t.Bytes) * (1 << 30) }
			}
			s := f.median(impl, dir, perGiB(func(t Transfer) time.Duration { return t.ServerCPU }))
			c := f.median(impl, dir, perGiB(func(t Transfer) time.Duration { return t.ClientCPU }))
			cells = append(cells, formatDuration(time.Duration(s))+" / "+formatDuration(time.Duration(c)))
		}
		p("| %s | %s |", dir, strings.Join(cells, " | "))
	}
	p("")
	var rounds []string
	for i, round := range f.Rounds {
		var parts []string
		for _, dir := range []string{Upload, Download} {
			w, t, g := round[FileImplWire][dir], round[FileImplTCP][dir], round[FileImplGo][dir]
			if w.Err != "" || t.Err != "" || g.Err != "" {
				parts = append(parts, dir+" failed")
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %.2f / %.2f (capacity %.2f / %.2f)", dir, ratio(w.Rate(), t.Rate()), ratio(w.Rate(), g.Rate()),
				ratio(w.Capacity(), t.Capacity()), ratio(w.Capacity(), g.Capacity())))
		}
		rounds = append(rounds, fmt.Sprintf("round %d: %s", i+1, strings.Join(parts, ", ")))
	}
	p("Per-round ratios, grpcwire ÷ raw TCP / grpcwire ÷ grpc-go: %s.", strings.Join(rounds, "; "))
	if mem, ok := r.streamFloor(); ok {
		p("")
		p("Against raw loopback TCP memory to memory (the streaming floor, %s, no file and no hashing), grpcwire's upload", formatBytesRate(mem))
		p("throughput is %.0f%% of it and its download %.0f%% (capacity %.0f%% and %.0f%%); raw TCP with the file work: %.0f%% and %.0f%%",
			100*f.median(FileImplWire, Upload, Transfer.Rate)/mem, 100*f.median(FileImplWire, Download, Transfer.Rate)/mem,
			100*f.median(FileImplWire, Upload, Transfer.Capacity)/mem, 100*f.median(FileImplWire, Download, Transfer.Capacity)/mem,
			100*f.median(FileImplTCP, Upload, Transfer.Rate)/mem, 100*f.median(FileImplTCP, Download, Transfer.Rate)/mem)
		p("(capacity %.0f%% and %.0f%%). SHA-256 on one core bounds every one of them.",
			100*f.median(FileImplTCP, Upload, Transfer.Capacity)/mem, 100*f.median(FileImplTCP, Download, Transfer.Capacity)/mem)
	}
	if len(f.RSS) == 0 {
		return
	}
	p("")
	p("Peak resident memory (VmHWM of /proc/PID/status) of the server / the client, one transfer each, for files of %s:", rssSizes(f.RSSSizes))
	p("")
	p("| file | direction | grpcwire | grpc-go |")
	p("|---|---|---:|---:|")
	for _, size := range f.RSSSizes {
		for _, dir := range []string{Upload, Download} {
			cells := make([]string, 0, 2)
			for _, impl := range []string{FileImplWire, FileImplGo} {
				t := f.RSS[size][impl][dir]
				if t.Err != "" {
					cells = append(cells, "failed")
					continue
				}
				cells = append(cells, formatMiB(t.ServerRSS)+" / "+formatMiB(t.ClientRSS))
			}
			p("| %s | %s | %s |", sizeName(int(size)), dir, strings.Join(cells, " | "))
		}
	}
	p("")
	p("The peak-memory runs upload a sparse file (its content does not change what a transfer holds) and")
	p("download what was stored; their times are not compared.")
}

// rssSizes lists the sizes for a sentence.
func rssSizes(sizes []int64) string {
	names := make([]string, len(sizes))
	for i, s := range sizes {
		names[i] = sizeName(int(s))
	}
	return strings.Join(names, " and ")
}

// median is the median over the rounds of v of impl's transfers in dir
// that succeeded.
func (f *FileResults) median(impl, dir string, v func(Transfer) float64) float64 {
	var vs []float64
	for _, round := range f.Rounds {
		if t := round[impl][dir]; t.Err == "" {
			vs = append(vs, v(t))
		}
	}
	return median(vs)
}

// fileFailures lists the failed transfers for the report's failures.
func (f *FileResults) fileFailures() []string {
	var lines []string
	for i, round := range f.Rounds {
		for _, impl := range FileImpls {
			for _, dir := range []string{Upload, Download} {
				if t := round[impl][dir]; t.Err != "" {
					lines = append(lines, fmt.Sprintf("- round %d, files, %s %s: %s", i+1, impl, dir, t.Err))
				}
			}
		}
	}
	sizes := slices.Sorted(func(yield func(int64) bool) {
		for s := range f.RSS {
			if !yield(s) {
				return
			}
		}
	})
	for _, size := range sizes {
		for _, impl := range []string{FileImplWire, FileImplGo} {
			for _, dir := range []string{Upload, Download} {
				if t := f.RSS[size][impl][dir]; t.Err != "" {
					lines = append(lines, fmt.Sprintf("- files memory, %s, %s %s: %s", sizeName(int(size)), impl, dir, t.Err))
				}
			}
		}
	}
	return lines
}
