package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Markdown writes the report: a header saying when, where and how the run
// was made, then per section a table of medians over the rounds followed
// by the per-round ratios of A to B, then memory, raw TCP and failures.
func (r *Results) Markdown(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	m := r.Machine
	p("# grpcwire vs grpc-go, side by side")
	p("")
	p("| | |")
	p("|---|---|")
	p("| date | %s (the run took %s) |", r.Started.Format("2006-01-02 15:04 MST"), r.Ended.Sub(r.Started).Round(time.Second))
	p("| machine | %d CPUs, %s; load average %s at the start (the machine is shared) |", m.Cores, m.CPUModel, m.LoadAvg)
	p("| software | %s, grpc-go %s |", m.GoVersion, m.GRPCGoVersion)
	if r.GoWindow > 0 {
		p("| grpc-go settings | static flow control windows of %d bytes on grpc-go's client and server (-grpcgo-window): BDP estimation and its PINGs off; not grpc-go's defaults |", r.GoWindow)
	} else {
		p("| grpc-go settings | defaults (BDP estimation on) |")
	}
	p("| servers | %s; a fresh server per measurement |", r.ServerPinning)
	p("| load generator | %s |", r.Generator)
	p("| rounds | %d, each running A = grpcwire then B = grpc-go; %s warm-up, then a %s measured window; tables show medians over the rounds |",
		r.Rounds, r.Warmup, r.Duration)
	p("| command | `%s` |", r.Command)
	p("")
	p("Throughput is operations per second of the window (MB/s = 10⁶ payload bytes per second). Latency is")
	p("of the unit named in the workload column. CPU/op is the process's user+system time (getrusage) over the")
	p("window divided by operations; CPU use is that time over the window's length (100%% = one core busy).")
	p("allocs/op and B/op are runtime/metrics heap allocations (objects including tiny ones, and bytes) over")
	p("the window divided by operations. syscalls/op counts read and write system calls (syscr + syscw of")
	p("/proc/PID/io: read/write/readv/writev on the socket; epoll and futex calls are not counted).")
	if len(r.Servers) > 0 {
		p("")
		p("## Servers: grpcwire's vs grpc-go's, both driven by %s's client", r.ServerLoad)
		p("")
		r.comparisonTable(w, r.Servers, "server", func(m Measurement) Delta { return m.Server })
		p("")
		p("Per-round ratios, grpcwire ÷ grpc-go: throughput (above 1: grpcwire faster) / server CPU per op (below 1: grpcwire cheaper)")
		p("")
		ratioTable(w, r.Servers, func(m Measurement) Delta { return m.Server })
	}
	if len(r.Clients) > 0 {
		p("")
		p("## Clients: grpcwire's vs grpc-go's, both against grpc-go's server")
		p("")
		r.comparisonTable(w, r.Clients, "client", func(m Measurement) Delta { return m.Client })
		p("")
		p("Per-round ratios, grpcwire ÷ grpc-go: throughput (above 1: grpcwire faster) / client CPU per op (below 1: grpcwire cheaper)")
		p("")
		ratioTable(w, r.Clients, func(m Measurement) Delta { return m.Client })
	}
	if len(r.Memory) > 0 {
		r.memoryTable(w)
	}
	if len(r.TCP) > 0 {
		r.tcpSection(w)
	}
	if r.Files != nil {
		r.filesSection(w)
	}
	r.failures(w)
}

func (r *Results) comparisonTable(w io.Writer, cs []Comparison, side string, of func(Measurement) Delta) {
	fmt.Fprintf(w, "| workload (latency of) | %s | throughput | p50 | p99 | CPU/op | CPU use | allocs/op | B/op | syscalls/op |\n", side)
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, c := range cs {
		for k, impl := range Impls {
			label := ""
			if k == 0 {
				label = fmt.Sprintf("%s (%s)", c.Workload.Describe(), c.Workload.LatencyOf())
			}
			ok := okRounds(c, k)
			if len(ok) == 0 {
				fmt.Fprintf(w, "| %s | %s | failed | | | | | | | |\n", label, impl)
				continue
			}
			med := func(f func(Measurement) float64) float64 {
				vs := make([]float64, len(ok))
				for i, m := range ok {
					vs[i] = f(m)
				}
				return median(vs)
			}
			rate := med(Measurement.Rate)
			cpu := med(func(m Measurement) float64 { return m.perOp(float64(of(m).CPU)) })
			use := med(func(m Measurement) float64 { return float64(of(m).CPU) / float64(m.Elapsed) })
			allocs := med(func(m Measurement) float64 { return m.perOp(float64(of(m).Allocs)) })
			bytes := med(func(m Measurement) float64 { return m.perOp(float64(of(m).AllocBytes)) })
			sys := "n/a"
			if of(ok[0]).Syscalls >= 0 {
				sys = fmt.Sprintf("%.2f", med(func(m Measurement) float64 { return m.perOp(float64(of(m).Syscalls)) }))
			}
			note := ""
			if len(ok) < len(c.Rounds) {
				note = fmt.Sprintf(" (%d of %d rounds)", len(ok), len(c.Rounds))
			}
			fmt.Fprintf(w, "| %s | %s%s | %s | %s | %s | %s | %.0f%% | %s | %s | %s |\n",
				label, impl, note, formatRate(c.Workload, rate),
				formatDuration(time.Duration(med(func(m Measurement) float64 { return float64(m.P50) }))),
				formatDuration(time.Duration(med(func(m Measurement) float64 { return float64(m.P99) }))),
				formatDuration(time.Duration(cpu)), 100*use, formatAllocs(allocs), formatCount(int(math.Round(bytes))), sys)
		}
	}
}

// okRounds are the measurements of implementation k that succeeded.
func okRounds(c Comparison, k int) []Measurement {
	var ms []Measurement
	for _, p := range c.Rounds {
		if p[k].Err == "" {
			ms = append(ms, p[k])
		}
	}
	return ms
}

func ratioTable(w io.Writer, cs []Comparison, of func(Measurement) Delta) {
	if len(cs) == 0 {
		return
	}
	n := len(cs[0].Rounds)
	fmt.Fprint(w, "| workload |")
	for i := range n {
		fmt.Fprintf(w, " round %d |", i+1)
	}
	fmt.Fprintln(w, " median |")
	fmt.Fprint(w, "|---|")
	for range n + 1 {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, c := range cs {
		fmt.Fprintf(w, "| %s |", c.Workload.Name)
		var rates, cpus []float64
		for _, p := range c.Rounds {
			a, b := p[0], p[1]
			if a.Err != "" || b.Err != "" || b.Rate() == 0 {
				fmt.Fprint(w, " failed |")
				continue
			}
			rate := a.Rate() / b.Rate()
			cpu := a.perOp(float64(of(a).CPU)) / b.perOp(float64(of(b).CPU))
			rates = append(rates, rate)
			cpus = append(cpus, cpu)
			fmt.Fprintf(w, " %.2f / %.2f |", rate, cpu)
		}
		if len(rates) == 0 {
			fmt.Fprintln(w, " |")
			continue
		}
		fmt.Fprintf(w, " **%.2f / %.2f** |\n", median(rates), median(cpus))
	}
}

func (r *Results) memoryTable(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Memory: idle connections and idle streams on each server")
	fmt.Fprintln(w)
	var conns, streams int
	for _, p := range r.Memory {
		for _, m := range p {
			conns, streams = max(conns, m.Conn.N), max(streams, m.Stream.N)
		}
	}
	fmt.Fprintf(w, "%s idle connections (each made one unary call first), then %s idle streams on one more connection\n",
		formatCount(conns), formatCount(streams))
	fmt.Fprintln(w, "(each a bidi call that made one 100 B round trip), opened by grpc-go's client; the server's live heap")
	fmt.Fprintln(w, "and goroutine stacks after forced GC, and its goroutines, before and after, divided by their number.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | bytes per idle conn (heap + stacks) | goroutines per idle conn | bytes per idle stream (heap + stacks) | goroutines per idle stream |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for k, impl := range Impls {
		var cb, ch, cs, cg, sb, sh, ss, sg []float64
		for _, p := range r.Memory {
			m := p[k]
			if m.Err != "" {
				continue
			}
			cb, ch, cs, cg = append(cb, m.Conn.Bytes()), append(ch, m.Conn.Heap), append(cs, m.Conn.Stack), append(cg, m.Conn.Goroutines)
			sb, sh, ss, sg = append(sb, m.Stream.Bytes()), append(sh, m.Stream.Heap), append(ss, m.Stream.Stack), append(sg, m.Stream.Goroutines)
		}
		if len(cb) == 0 {
			fmt.Fprintf(w, "| %s | failed | | | |\n", impl)
			continue
		}
		fmt.Fprintf(w, "| %s | %s (%s + %s) | %.2f | %s (%s + %s) | %.2f |\n", impl,
			formatBytes(median(cb)), formatBytes(median(ch)), formatBytes(median(cs)), median(cg),
			formatBytes(median(sb)), formatBytes(median(sh)), formatBytes(median(ss)), median(sg))
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "Per-round ratios, grpcwire ÷ grpc-go, bytes per idle conn / per idle stream:")
	sep := " "
	for i, p := range r.Memory {
		if p[0].Err != "" || p[1].Err != "" {
			fmt.Fprintf(w, "%sround %d failed", sep, i+1)
		} else {
			fmt.Fprintf(w, "%sround %d %.2f / %.2f", sep, i+1, ratio(p[0].Conn.Bytes(), p[1].Conn.Bytes()), ratio(p[0].Stream.Bytes(), p[1].Stream.Bytes()))
		}
		sep = "; "
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w)
}

func (r *Results) tcpSection(w io.Writer) {
	var ok []float64
	for i, v := range r.TCP {
		if r.TCPErr[i] == "" {
			ok = append(ok, v)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Raw loopback TCP")
	fmt.Fprintln(w)
	if len(ok) == 0 {
		fmt.Fprintln(w, "Failed in every round.")
		return
	}
	tcp := median(ok)
	rounds := make([]string, len(ok))
	for i, v := range ok {
		rounds[i] = formatBytesRate(v)
	}
	fmt.Fprintf(w, "%s (median; rounds: %s): one connection, %s writes from a process pinned like the servers,\n",
		formatBytesRate(tcp), strings.Join(rounds, ", "), sizeName(tcpChunk))
	fmt.Fprintln(w, "read in the load generator's process, the direction of a server-streaming call.")
	for _, sec := range []struct {
		name string
		cs   []Comparison
		side string
	}{{"Servers", r.Servers, "server"}, {"Clients", r.Clients, "client"}} {
		for _, c := range sec.cs {
			if c.Workload.Kind != ServerStream || c.Workload.Size != LargeSize {
				continue
			}
			var parts []string
			for k, impl := range Impls {
				ms := okRounds(c, k)
				if len(ms) == 0 {
					continue
				}
				rates := make([]float64, len(ms))
				for i, m := range ms {
					rates[i] = m.Rate() * float64(c.Workload.Size)
				}
				parts = append(parts, fmt.Sprintf("%s's %s %s = %.0f%%", impl, sec.side, formatBytesRate(median(rates)), 100*median(rates)/tcp))
			}
			if len(parts) > 0 {
				fmt.Fprintf(w, "%s, %s of it: %s.\n", sec.name, c.Workload.Describe(), strings.Join(parts, "; "))
			}
		}
	}
}

func (r *Results) failures(w io.Writer) {
	var lines []string
	for _, sec := range []struct {
		name string
		cs   []Comparison
	}{{"server", r.Servers}, {"client", r.Clients}} {
		for _, c := range sec.cs {
			for i, p := range c.Rounds {
				for k, m := range p {
					if m.Err != "" {
						lines = append(lines, fmt.Sprintf("- round %d, %s %s, %s: %s", i+1, sec.name, Impls[k], c.Workload.Name, m.Err))
					}
				}
			}
		}
	}
	for i, p := range r.Memory {
		for k, m := range p {
			if m.Err != "" {
				lines = append(lines, fmt.Sprintf("- round %d, memory, %s: %s", i+1, Impls[k], m.Err))
			}
		}
	}
	for i, e := range r.TCPErr {
		if e != "" {
			lines = append(lines, fmt.Sprintf("- round %d, raw TCP: %s", i+1, e))
		}
	}
	if r.Files != nil {
		lines = append(lines, r.Files.fileFailures()...)
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Failures")
	fmt.Fprintln(w)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// median of vs (which it sorts); 0 for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// formatRate writes ops per second with the workload's unit, plus MB/s of
// payload for messages of 16 KiB and more.
func formatRate(w Workload, rate float64) string {
	unit := w.Unit() + "s"
	s := fmt.Sprintf("%s %s/s", formatSI(rate), unit)
	if w.Size >= MediumSize {
		s += " · " + formatBytesRate(rate*float64(w.Size))
	}
	return s
}

// formatSI writes v with three significant digits and a k or M suffix.
func formatSI(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + "M"
	case v >= 1e3:
		return sig3(v/1e3) + "k"
	}
	return sig3(v)
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func formatBytesRate(bps float64) string {
	if bps >= 1e9 {
		return sig3(bps/1e9) + " GB/s"
	}
	return sig3(bps/1e6) + " MB/s"
}

// formatDuration writes d with three significant digits.
func formatDuration(d time.Duration) string {
	v := float64(d)
	switch {
	case d <= 0:
		return "0"
	case d < time.Microsecond:
		return fmt.Sprintf("%.0fns", v)
	case d < time.Millisecond:
		return sig3(v/1e3) + "µs"
	case d < time.Second:
		return sig3(v/1e6) + "ms"
	}
	return sig3(v/1e9) + "s"
}

func formatAllocs(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// formatBytes writes a memory size in B below 1 KiB, else in KiB.
func formatBytes(v float64) string {
	if math.Abs(v) >= 1<<10 {
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}
