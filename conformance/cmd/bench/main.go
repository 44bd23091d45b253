// Command bench runs the side-by-side benchmarks of grpcwire against
// grpc-go (package bench) and prints a Markdown report:
//
//	cd conformance && go run ./cmd/bench            # full run, several minutes
//	cd conformance && go run ./cmd/bench -quick     # everything once over, about a minute
//
// -out bench/RESULTS.md writes the report over the committed full run, and
// is refused for a smaller one (-quick, fewer rounds, a subset).
//
// It compares grpcwire's server with grpc-go's under each load generator
// of -server-load (grpcwire's client, then grpc-go's), and grpcwire's
// client with grpc-go's against grpc-go's server, on the workloads of
// bench.Workloads; it measures the memory of idle connections and streams
// on both servers, and the floors, raw loopback TCP with the same payloads
// (a 100 B ping-pong and a stream of 1 MiB messages), beside which it puts
// every figure that has one. Every server runs in a
// fresh child process (this program in its server role) pinned with taskset
// to one CPU with GOMAXPROCS=1; the program re-runs itself pinned to another
// CPU as the load generator. Without taskset or a second CPU it runs
// unpinned and says so in the report.
//
// Flags choose the rounds (-rounds), the window (-duration, -warmup), the
// workloads (-workloads a,b), the sections (-sections
// servers,clients,memory,tcp), the memory sizes (-conns, -streams), where
// the report also goes (-out, -json), the load generators of the servers
// section (-server-load), and -profile DIR, which makes every server of the
// servers section write CPU and allocation profiles there, and the load
// generator a CPU profile of each client of the clients section.
// -grpcgo-window N is a diagnostic: it gives grpc-go's client and server
// static windows, which turns off grpc-go's BDP estimator and its PINGs.
//
// The files section moves a file (-files-size, 1 GiB) up and down with
// grpcwire's files-server and files programs, the same service on grpc-go,
// and raw TCP, and compares the peak memory of the transfers of files of
// -files-rss sizes (256 MiB and 4 GiB); the files go under -files-dir
// (/dev/shm when it exists).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"grpcwire/conformance/bench"
)

// Environment variables between this program and its re-runs.
const (
	// roleEnv set to "server" makes the program a bench server
	// (bench.ServerMain) instead of the harness.
	roleEnv = "GRPCWIRE_BENCH_ROLE"
	// pinnedEnv holds "SERVER_CPU,GENERATOR_CPU" once the harness has
	// re-run itself under taskset on GENERATOR_CPU.
	pinnedEnv = "GRPCWIRE_BENCH_PINNED"
)

func main() {
	switch os.Getenv(roleEnv) {
	case "server":
		if err := bench.ServerMain(os.Args[1:], os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	case "files":
		if err := bench.FilesRoleMain(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	rounds := flag.Int("rounds", bench.DefaultRounds, "A/B rounds (at least 3 for a median worth quoting)")
	duration := flag.Duration("duration", bench.DefaultDuration, "measured window of each workload, and of raw TCP")
	warmup := flag.Duration("warmup", bench.DefaultWarmup, "unmeasured run before each window")
	quick := flag.Bool("quick", false, fmt.Sprintf("try everything in about a minute: %d rounds of %v windows after %v, %d idle conns, %d idle streams, a 64 MiB file (overrides those flags)",
		bench.QuickRounds, bench.QuickDuration, bench.QuickWarmup, bench.QuickIdleConns, bench.QuickIdleStreams))
	workloads := flag.String("workloads", "all", "comma-separated workload names, or all")
	sections := flag.String("sections", allSections, "comma-separated sections to run")
	filesSize := flag.Int64("files-size", bench.DefaultFileSize, "bytes of the file the files section moves up and down (-quick: 64 MiB)")
	filesRSS := flag.String("files-rss", "256MiB,4GiB", "sizes of the files whose transfers' peak memory the files section compares (-quick: 16MiB,128MiB)")
	filesDir := flag.String("files-dir", defaultFilesDir(), "where the files section puts its files (in memory, so that the disk does not set the pace)")
	conns := flag.Int("conns", bench.DefaultIdleConns, "idle connections of the memory section")
	streams := flag.Int("streams", bench.DefaultIdleStreams, "idle streams on one connection of the memory section")
	out := flag.String("out", "", "also write the Markdown report to this file (a file named "+resultsFile+" only for a full run)")
	jsonOut := flag.String("json", "", "write every measurement as JSON to this file")
	profile := flag.String("profile", "", "directory for CPU and allocation profiles of the servers section's servers, and CPU profiles of the clients section's clients")
	memRate := flag.Int("memprofilerate", 0, "runtime.MemProfileRate of profiled servers (0: the runtime's default)")
	goWindow := flag.Int("grpcgo-window", 0, "give grpc-go's client and server static flow control windows of this many bytes, turning off its BDP estimator and the PINGs it sends (0: grpc-go's defaults; a diagnostic, not grpc-go as it comes)")
	serverLoad := flag.String("server-load", allLoads, "the load generators of the servers section, each driving both servers in a table of its own: grpcwire (it costs less per call, so it pushes both servers harder), grpc-go (independent of the code under test), or both")
	pin := flag.Bool("pin", true, "pin servers and the load generator to different CPUs with taskset")
	quiet := flag.Bool("q", false, "no progress lines on standard error")
	flag.Parse()
	loads, err := parseLoads(*serverLoad)
	if err != nil {
		return err
	}
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if err := checkOut(*out, runSize{quick: *quick, rounds: *rounds, duration: *duration, warmup: *warmup,
		conns: *conns, streams: *streams, workloads: *workloads, section: *sections, filesSize: *filesSize, loads: *serverLoad}); err != nil {
		return err
	}

	plan := bench.PinPlan{Server: -1, Gen: -1, Why: "-pin=false"}
	if *pin {
		if v := os.Getenv(pinnedEnv); v != "" {
			var err error
			if plan, err = parsePinned(v); err != nil {
				return err
			}
		} else if plan = bench.PlanPinning(); plan.Taskset != "" {
			return reexecPinned(plan)
		}
	}

	ws, err := bench.SelectWorkloads(*workloads)
	if err != nil {
		return err
	}
	cfg := bench.Config{
		Rounds:      *rounds,
		Duration:    *duration,
		Warmup:      *warmup,
		Workloads:   ws,
		IdleConns:   *conns,
		IdleStreams: *streams,
		GoWindow:    int32(*goWindow),
		ServerLoads: loads,
		CPUs:        [2]int{plan.Server, plan.Gen},
		Command:     "cd conformance && go run ./cmd/bench" + quoteArgs(os.Args[1:]),
	}
	if *quick {
		cfg.Rounds, cfg.Duration, cfg.Warmup = bench.QuickRounds, bench.QuickDuration, bench.QuickWarmup
		cfg.IdleConns, cfg.IdleStreams = bench.QuickIdleConns, bench.QuickIdleStreams
	}
	filesOn := false
	for s := range strings.SplitSeq(*sections, ",") {
		switch strings.TrimSpace(s) {
		case "files":
			filesOn = true
		case "servers":
			cfg.Servers = true
		case "clients":
			cfg.Clients = true
		case "memory":
			cfg.Memory = true
		case "tcp":
			cfg.TCP = true
		default:
			return fmt.Errorf("unknown section %q: the sections are servers, clients, memory, tcp, files", s)
		}
	}
	if *profile != "" {
		dir, err := filepath.Abs(*profile)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		cfg.ProfileDir = dir
	}
	if _, err := bench.RaiseFileLimit(); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cfg.Launcher = &bench.ProcLauncher{
		Exe:            exe,
		Env:            []string{roleEnv + "=server"},
		CPU:            plan.Server,
		Taskset:        plan.Taskset,
		MemProfileRate: *memRate,
		GoWindow:       int32(*goWindow),
	}
	if filesOn {
		fc, err := filesConfig(exe, plan, *filesSize, *filesRSS, *filesDir, *quick)
		if err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(fc.Files))
		cfg.Files = fc
	}
	if plan.Gen >= 0 {
		cfg.Generator = fmt.Sprintf("CPU %d (taskset), GOMAXPROCS=1; in the servers section %s's client", plan.Gen, strings.Join(loads, "'s, then "))
	} else {
		cfg.Generator = "not pinned (" + plan.Why + ")"
	}
	if !*quiet {
		cfg.Progress = os.Stderr
	}

	res, err := bench.Run(cfg)
	if err != nil {
		return err
	}
	res.Markdown(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		res.Markdown(f)
		if err := f.Close(); err != nil {
			return err
		}
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// parseLoads reads -server-load: a comma-separated list of client
// libraries, each at most once.
func parseLoads(list string) ([]string, error) {
	var loads []string
	for l := range strings.SplitSeq(list, ",") {
		l = strings.TrimSpace(l)
		if l != bench.ImplWire && l != bench.ImplGo {
			return nil, fmt.Errorf("-server-load: %q is neither %s nor %s", l, bench.ImplWire, bench.ImplGo)
		}
		if slices.Contains(loads, l) {
			return nil, fmt.Errorf("-server-load: %s is named twice", l)
		}
		loads = append(loads, l)
	}
	return loads, nil
}

// reexecPinned replaces the process with itself under taskset on the load
// generator's CPU, with GOMAXPROCS=1 and the plan in pinnedEnv.
func reexecPinned(plan bench.PinPlan) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := append([]string{"taskset", "-c", strconv.Itoa(plan.Gen), exe}, os.Args[1:]...)
	env := append(os.Environ(), "GOMAXPROCS=1", fmt.Sprintf("%s=%d,%d", pinnedEnv, plan.Server, plan.Gen))
	return syscall.Exec(plan.Taskset, args, env)
}

func parsePinned(v string) (bench.PinPlan, error) {
	s, g, ok := strings.Cut(v, ",")
	sc, err1 := strconv.Atoi(s)
	gc, err2 := strconv.Atoi(g)
	if !ok || err1 != nil || err2 != nil {
		return bench.PinPlan{}, fmt.Errorf("%s=%q: want SERVER_CPU,GENERATOR_CPU", pinnedEnv, v)
	}
	ts, err := exec.LookPath("taskset")
	if err != nil {
		return bench.PinPlan{}, fmt.Errorf("%s is set but taskset is not found: %w", pinnedEnv, err)
	}
	return bench.PinPlan{Taskset: ts, Server: sc, Gen: gc}, nil
}

// quoteArgs writes args as a shell would need them.
func quoteArgs(args []string) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteByte(' ')
		if a == "" || strings.ContainsAny(a, " \t\"'$\\*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		b.WriteString(a)
	}
	return b.String()
}

// defaultFilesDir is /dev/shm when the machine has it (files in memory),
// else the temporary directory.
func defaultFilesDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// filesConfig builds grpcwire's files programs and describes the files
// section.
func filesConfig(exe string, plan bench.PinPlan, size int64, rss, dir string, quick bool) (*bench.FilesConfig, error) {
	fc := &bench.FilesConfig{
		Size:      size,
		Dir:       dir,
		Exe:       exe,
		Env:       []string{roleEnv + "=files"},
		Taskset:   plan.Taskset,
		ServerCPU: plan.Server,
		ClientCPU: plan.Gen,
	}
	for s := range strings.SplitSeq(rss, ",") {
		n, err := parseSize(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("-files-rss: %w", err)
		}
		fc.RSSSizes = append(fc.RSSSizes, n)
	}
	if quick {
		fc.Size, fc.RSSSizes = bench.QuickFileSize, bench.QuickRSSSizes
	}
	bin, err := os.MkdirTemp("", "grpcwire-bench-files-")
	if err != nil {
		return nil, err
	}
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "grpcwire/cmd/files", "grpcwire/cmd/files-server")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(bin)
		return nil, fmt.Errorf("building grpcwire's files programs: %v\n%s", err, out)
	}
	fc.Files, fc.FilesServer = filepath.Join(bin, "files"), filepath.Join(bin, "files-server")
	return fc, nil
}

// parseSize reads a size such as 4GiB, 256MiB or 1048576.
func parseSize(s string) (int64, error) {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil || v <= 0 {
				return 0, fmt.Errorf("%q is not a size such as 256MiB", s)
			}
			return v * u.mult, nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a size such as 256MiB", s)
	}
	return v, nil
}
