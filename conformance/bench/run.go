package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// Impls are A and B of every comparison, in the order each round runs
// them: "alternating A B A B".
var Impls = [2]string{ImplWire, ImplGo}

// Config is one run of the harness.
type Config struct {
	// Rounds is how many times every measurement is made, A then B.
	Rounds int
	// Warmup and Duration are the unmeasured and measured parts of every
	// workload's window.
	Warmup, Duration time.Duration
	// Workloads are those measured, in the report's order.
	Workloads []Workload
	// The sections: Servers compares the two servers under each of
	// ServerLoads' clients; Clients compares the two clients against
	// grpc-go's server; Memory measures idle connections and streams on
	// both servers; TCP measures the floors, raw loopback TCP (floor.go).
	Servers, Clients, Memory, TCP bool
	// IdleConns and IdleStreams size the memory measurement.
	IdleConns, IdleStreams int
	// Launcher starts the servers.
	Launcher Launcher
	// ProfileDir, when set, makes every server of the Servers section write
	// CPU and allocation profiles there, named
	// <server>-<workload>-by-<load generator>-r<round>.{cpu,mem}.pprof,
	// and the load generator write a CPU profile of itself for every
	// measurement of the Clients section, named
	// client-<client>-<workload>-r<round>.cpu.pprof (the client, with
	// the dial and the warm-up: the server runs in its own process).
	ProfileDir string
	// Progress receives a line per measurement; nil for none.
	Progress io.Writer
	// GoWindow, when above zero, gives grpc-go's clients (and the servers
	// the launcher starts, which must be told the same) static flow control
	// windows of that many bytes, turning grpc-go's BDP estimator off; see
	// DialerFor. Zero measures grpc-go as it comes.
	GoWindow int32
	// ServerLoads are the load generators of the Servers section, each
	// driving both servers in a table of its own: ImplWire (grpcwire's
	// client, the cheaper per call, so the one that pushes both servers
	// harder) and ImplGo (grpc-go's client, independent of the code under
	// test). Empty means both.
	ServerLoads []string
	// CPUs are the CPUs of the servers and of the load generator, -1 where
	// they are not pinned: the harness reads how busy each was over every
	// window (/proc/stat) to tell what other processes took from them.
	CPUs [2]int
	// Generator says where the load generator runs, and Command how the
	// run was started, for the report.
	Generator string
	Command   string
	// Files, when set, runs the files section: a file moved up and down
	// with grpcwire's programs, the same service on grpc-go, and raw TCP.
	Files *FilesConfig
}

func (cfg Config) serverLoads() []string {
	if len(cfg.ServerLoads) == 0 {
		return Impls[:]
	}
	return cfg.ServerLoads
}

// LoadRun is the Servers section under one load generator.
type LoadRun struct {
	// Load is the client library of the load generator.
	Load        string
	Comparisons []Comparison
}

// FloorRun is one floor's measurement in every round.
type FloorRun struct {
	Workload Workload
	Rounds   []Measurement
}

// Pair is one round's measurements of A and B (Impls' order).
type Pair [2]Measurement

// Comparison is every round of one workload in one section.
type Comparison struct {
	Workload Workload
	Rounds   []Pair
}

// Results is everything a run measured.
type Results struct {
	Machine          Machine
	Started, Ended   time.Time
	Rounds           int
	Warmup, Duration time.Duration
	ServerPinning    string
	GoWindow         int32
	Generator        string
	Command          string
	// Servers has one LoadRun per load generator: in each, A is grpcwire's
	// server, B grpc-go's.
	Servers []LoadRun
	// Clients: A is grpcwire's client, B grpc-go's; the server is
	// grpc-go's.
	Clients []Comparison
	// Memory holds, per round, grpcwire's server's idle costs then
	// grpc-go's.
	Memory [][2]MemoryMeasurement
	// Floors are the raw TCP floors (FloorPingPong, FloorStream), each
	// measured in every round; Copy is the copy calibration of each round
	// (measureCopy), in bytes per second.
	Floors []FloorRun
	Copy   []float64
	// Files is the files section's, when it ran.
	Files *FileResults
}

// Run runs every section's measurements for every round and returns them.
// A measurement that fails is recorded with its error and the run goes
// on; Run itself fails only for a configuration it cannot run.
func Run(cfg Config) (*Results, error) {
	if cfg.Rounds < 1 || cfg.Duration <= 0 || cfg.Launcher == nil {
		return nil, errors.New("bench: a run needs at least one round, a positive duration and a launcher")
	}
	res := &Results{
		Machine:       DescribeMachine(),
		Started:       time.Now(),
		Rounds:        cfg.Rounds,
		Warmup:        cfg.Warmup,
		Duration:      cfg.Duration,
		ServerPinning: cfg.Launcher.Pinned(),
		GoWindow:      cfg.GoWindow,
		Generator:     cfg.Generator,
		Command:       cfg.Command,
	}
	newCmp := func() []Comparison {
		cs := make([]Comparison, len(cfg.Workloads))
		for i, w := range cfg.Workloads {
			cs[i] = Comparison{Workload: w, Rounds: make([]Pair, cfg.Rounds)}
		}
		return cs
	}
	if cfg.Servers {
		for _, load := range cfg.serverLoads() {
			res.Servers = append(res.Servers, LoadRun{Load: load, Comparisons: newCmp()})
		}
	}
	if cfg.TCP {
		for _, w := range []Workload{FloorPingPong, FloorStream} {
			res.Floors = append(res.Floors, FloorRun{Workload: w, Rounds: make([]Measurement, cfg.Rounds)})
		}
	}
	if cfg.Clients {
		res.Clients = newCmp()
	}
	if fc := cfg.Files; fc != nil {
		res.Files = &FileResults{Size: fc.Size, RSSSizes: fc.RSSSizes, Dir: fc.Dir, RSS: map[int64]map[string]map[string]Transfer{}, Pinning: "not pinned"}
		if fc.Taskset != "" {
			res.Files.Pinning = fmt.Sprintf("server on CPU %d, client on CPU %d (taskset), GOMAXPROCS=1 each", fc.ServerCPU, fc.ClientCPU)
		}
	}
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}
	for r := range cfg.Rounds {
		round := fmt.Sprintf("round %d/%d", r+1, cfg.Rounds)
		if cfg.TCP {
			bps := measureCopy(cfg.Duration)
			res.Copy = append(res.Copy, bps)
			progress("%s copy   1 MiB blocks in the load generator: %s", round, formatBytesRate(bps))
		}
		for i := range res.Floors {
			f := &res.Floors[i]
			server := ImplTCPEcho
			if f.Workload.Kind == ServerStream {
				server = ImplTCP
			}
			m := runOne(cfg, server, ImplTCP, f.Workload, "")
			f.Rounds[r] = m
			progress("%s floor  %-8s %-22s %s", round, ImplTCP, f.Workload.Name, progressLine(f.Workload, m, m.Server))
		}
		for li := range res.Servers {
			lr := &res.Servers[li]
			for i, w := range cfg.Workloads {
				for k, impl := range Impls {
					profile := ""
					if cfg.ProfileDir != "" {
						profile = filepath.Join(cfg.ProfileDir, fmt.Sprintf("%s-%s-by-%s-r%d", impl, w.Name, lr.Load, r+1))
					}
					m := runOne(cfg, impl, lr.Load, w, profile)
					lr.Comparisons[i].Rounds[r][k] = m
					progress("%s server %-8s %-22s by %-8s %s", round, impl, w.Name, lr.Load, progressLine(w, m, m.Server))
				}
			}
		}
		if cfg.Clients {
			for i, w := range cfg.Workloads {
				for k, impl := range Impls {
					var m Measurement
					if cfg.ProfileDir == "" {
						m = runOne(cfg, ImplGo, impl, w, "")
					} else {
						m = profileClient(filepath.Join(cfg.ProfileDir, fmt.Sprintf("client-%s-%s-r%d.cpu.pprof", impl, w.Name, r+1)), func() Measurement {
							return runOne(cfg, ImplGo, impl, w, "")
						})
					}
					res.Clients[i].Rounds[r][k] = m
					progress("%s client %-8s %-22s %s", round, impl, w.Name, progressLine(w, m, m.Client))
				}
			}
		}
		if cfg.Files != nil {
			runFiles(cfg.Files, res.Files, r, progress)
		}
		if cfg.Memory {
			var pair [2]MemoryMeasurement
			for k, impl := range Impls {
				mm, err := measureMemory(cfg.Launcher, impl, cfg.IdleConns, cfg.IdleStreams, cfg.GoWindow)
				mm.Err = errString(err)
				pair[k] = mm
				progress("%s memory %-8s %.0f B and %.2f goroutines per idle conn, %.0f B and %.2f goroutines per idle stream %s",
					round, impl, mm.Conn.Bytes(), mm.Conn.Goroutines, mm.Stream.Bytes(), mm.Stream.Goroutines, mm.Err)
			}
			res.Memory = append(res.Memory, pair)
		}
	}
	res.Ended = time.Now()
	return res, nil
}

// profileClient runs measure with this process's CPU profile going to
// path; a profile that cannot be written fails the measurement.
func profileClient(path string, measure func() Measurement) Measurement {
	f, err := os.Create(path)
	if err != nil {
		return Measurement{Err: errString(err)}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return Measurement{Err: errString(err)}
	}
	m := measure()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil && m.Err == "" {
		m.Err = errString(err)
	}
	return m
}

// runOne measures workload w of clientImpl's client against serverImpl's
// server, each started afresh.
func runOne(cfg Config, serverImpl, clientImpl string, w Workload, profile string) Measurement {
	m, err := func() (Measurement, error) {
		srv, err := cfg.Launcher.Launch(serverImpl, profile)
		if err != nil {
			return Measurement{}, err
		}
		dial, err := DialerFor(clientImpl, cfg.GoWindow)
		if err != nil {
			srv.Close()
			return Measurement{}, err
		}
		clients, err := dialAll(dial, srv.Addr(), w.Conns)
		if err != nil {
			srv.Close()
			return Measurement{}, err
		}
		m, err := measure(srv, clients, w, cfg.Warmup, cfg.Duration, cfg.CPUs)
		closeAll(clients)
		if cerr := srv.Close(); err == nil {
			err = cerr
		}
		return m, err
	}()
	m.Err = errString(err)
	return m
}

func progressLine(w Workload, m Measurement, d Delta) string {
	if m.Err != "" {
		return "FAILED: " + m.Err
	}
	return fmt.Sprintf("%s p50 %s p99 %s cpu/op %s allocs/op %.1f; server %.0f%%, generator %.0f%% of a core%s",
		formatRate(w, m.Rate()), formatDuration(m.P50), formatDuration(m.P99),
		formatDuration(time.Duration(m.perOp(float64(d.CPU)))), m.perOp(float64(d.Allocs)),
		100*m.Server.Use(m.Elapsed), 100*m.Client.Use(m.Elapsed), m.othersNote())
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
