package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The file workloads move one file over loopback, up (an upload: the
// client reads it, the server stores it) and down (a download into a new
// file), each side in a process of its own pinned to its own CPU. They
// compare three ways of moving the same bytes with the same work at both
// ends (read the file in chunks, SHA-256 it, write the other file, check
// the SHA-256):
//
//   - grpcwire: grpcwire's files-server and files programs;
//   - grpc-go: the same service on grpc-go (filesgo) and a client of it
//     written the grpc-go way (typed Send and Recv);
//   - tcp: no gRPC, a raw TCP connection carrying the file's bytes between
//     the same storage code, the ceiling of what the wire allows with that
//     file work.
const (
	FileImplWire = ImplWire
	FileImplGo   = ImplGo
	FileImplTCP  = ImplTCP
)

// FileImpls are the implementations of the file workloads, in the order
// each round runs them.
var FileImpls = [3]string{FileImplTCP, FileImplWire, FileImplGo}

// Directions of a transfer.
const (
	Upload   = "upload"
	Download = "download"
)

// Defaults of the files section.
const (
	// DefaultFileSize is the throughput workload's file: 1 GiB, the issue's
	// figure, long enough that a connection's start is noise.
	DefaultFileSize = 1 << 30
	// QuickFileSize is -quick's.
	QuickFileSize = 64 << 20
	// fileRunBound bounds one transfer: a 4 GiB file at 100 MB/s.
	fileRunBound = 2 * time.Minute
)

// DefaultRSSSizes are the files whose transfers' peak memory is compared:
// constant memory shows as the same peak for both.
var DefaultRSSSizes = []int64{256 << 20, 4 << 30}

// QuickRSSSizes are -quick's.
var QuickRSSSizes = []int64{16 << 20, 128 << 20}

// FilesConfig is the files section of a run.
type FilesConfig struct {
	// Size is the throughput workload's file size.
	Size int64
	// RSSSizes are the sizes of the peak-memory workloads.
	RSSSizes []int64
	// Dir holds the files (a directory in memory, /dev/shm, keeps the disk
	// from setting the pace).
	Dir string
	// FilesServer and Files are grpcwire's two programs.
	FilesServer, Files string
	// Exe and Env run this harness's file roles (FilesServerMain and
	// FilesClientMain): Env puts the program in the role, the first
	// argument names it.
	Exe string
	Env []string
	// Taskset, ServerCPU and ClientCPU pin the server and the client; an
	// empty Taskset runs both unpinned.
	Taskset              string
	ServerCPU, ClientCPU int
}

// Transfer is one measured transfer.
type Transfer struct {
	Bytes int64
	// Wall is the client process's run, from its start to its exit.
	Wall time.Duration
	// ServerCPU and ClientCPU are each process's user+system time, from
	// its own rusage (the server's over its whole life: the one transfer).
	ServerCPU, ClientCPU time.Duration
	// ServerRSS and ClientRSS are the processes' peak resident memory
	// (VmHWM; see peakRSS), in bytes.
	ServerRSS, ClientRSS int64
	Err                  string
}

// Rate is the transfer's bytes per second.
func (t Transfer) Rate() float64 {
	if t.Wall <= 0 {
		return 0
	}
	return float64(t.Bytes) / t.Wall.Seconds()
}

// Capacity is the bytes per second the transfer would reach if each side
// had its CPU to itself: its bytes over the CPU time of the busier side,
// the stage that bounds a pipeline. On a shared machine, where other
// programs take turns on the pinned CPUs, it varies far less from run to
// run than Rate.
func (t Transfer) Capacity() float64 {
	busiest := max(t.ServerCPU, t.ClientCPU)
	if busiest <= 0 {
		return 0
	}
	return float64(t.Bytes) / busiest.Seconds()
}

// FileResults is everything the files section measured.
type FileResults struct {
	Size     int64
	RSSSizes []int64
	Dir      string
	Pinning  string
	// Rounds[r][impl][direction] are the throughput transfers.
	Rounds []map[string]map[string]Transfer
	// RSS[size][impl][direction] are the peak-memory transfers.
	RSS map[int64]map[string]map[string]Transfer
}

// runFiles runs the files section's round r (the peak-memory workloads in
// the first round only: memory does not vary from round to round the way
// time does).
func runFiles(cfg *FilesConfig, res *FileResults, r int, progress func(string, ...any)) {
	round := map[string]map[string]Transfer{}
	for _, impl := range FileImpls {
		round[impl] = cfg.roundTrip(impl, cfg.Size, fmt.Sprintf("round %d", r+1), progress)
	}
	res.Rounds = append(res.Rounds, round)
	if r > 0 {
		return
	}
	for _, size := range cfg.RSSSizes {
		for _, impl := range []string{FileImplWire, FileImplGo} {
			if res.RSS[size] == nil {
				res.RSS[size] = map[string]map[string]Transfer{}
			}
			res.RSS[size][impl] = cfg.roundTrip(impl, -size, "memory", progress)
		}
	}
}

// roundTrip uploads a file of size bytes with impl, then downloads it. A
// negative size is a peak-memory run of -size bytes: its source is sparse
// (its content does not change what memory a transfer takes) and it is
// removed as soon as it has been used, as is every file the run writes.
func (cfg *FilesConfig) roundTrip(impl string, size int64, label string, progress func(string, ...any)) map[string]Transfer {
	out := map[string]Transfer{}
	sparse := size < 0
	if sparse {
		size = -size
	}
	fail := func(dir string, err error) map[string]Transfer {
		for _, d := range []string{Upload, Download} {
			if _, ok := out[d]; !ok {
				out[d] = Transfer{Bytes: size, Err: err.Error()}
			}
		}
		progress("%s files %-8s %s: FAILED: %v", label, impl, sizeName(int(size)), err)
		return out
	}
	work, err := os.MkdirTemp(cfg.Dir, "files-"+impl+"-")
	if err != nil {
		return fail("", err)
	}
	defer os.RemoveAll(work)
	src, err := sourceFile(filepath.Join(work, "client"), size, sparse)
	if err != nil {
		return fail(work, err)
	}
	serverDir := filepath.Join(work, "server")
	up := cfg.transfer(impl, Upload, serverDir, src, filepath.Join(work, "client", "down"), size)
	out[Upload] = up
	progress("%s files %-8s %s %-8s %s", label, impl, sizeName(int(size)), Upload, up.describe())
	os.Remove(src) // the server has it now
	if up.Err != "" {
		return fail(work, errors.New("the upload failed"))
	}
	if sparse {
		// A peak-memory run downloads a sparse file of the same size, so
		// that the machine holds one copy of a large file at a time, not
		// two (the server hashes it anew, outside what is compared).
		stored := filepath.Join(serverDir, fileName)
		if err := os.Remove(stored); err != nil {
			return fail(work, err)
		}
		if _, err := sourceFile(serverDir, size, true); err != nil {
			return fail(work, err)
		}
		if err := os.Rename(filepath.Join(serverDir, "src"), stored); err != nil {
			return fail(work, err)
		}
	}
	down := cfg.transfer(impl, Download, serverDir, src, filepath.Join(work, "client", "down"), size)
	out[Download] = down
	progress("%s files %-8s %s %-8s %s", label, impl, sizeName(int(size)), Download, down.describe())
	return out
}

// describe is a transfer's progress line.
func (t Transfer) describe() string {
	if t.Err != "" {
		return "FAILED: " + t.Err
	}
	return fmt.Sprintf("%s in %s, server CPU %s RSS %s, client CPU %s RSS %s",
		formatBytesRate(t.Rate()), formatDuration(t.Wall), formatDuration(t.ServerCPU), formatMiB(t.ServerRSS),
		formatDuration(t.ClientCPU), formatMiB(t.ClientRSS))
}

// sourceFile writes the file to upload: size pseudo-random bytes, or a
// sparse file of that size.
func sourceFile(dir string, size int64, sparse bool) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "src")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if sparse {
		return path, f.Truncate(size)
	}
	r := rand.NewChaCha8([32]byte{'f', 'i', 'l', 'e', 's'})
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(int64(len(buf)), left)
		r.Read(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			return "", err
		}
		left -= n
	}
	return path, f.Close()
}

// fileName is the name the transfers store the file under.
const fileName = "bench.bin"

// listeningLine is what every files server prints once it accepts calls.
var listeningLine = regexp.MustCompile(`files-server: listening on (\S+)`)

// transfer runs one transfer with a fresh server process on serverDir and
// a client process, and measures both.
func (cfg *FilesConfig) transfer(impl, dir, serverDir, src, dst string, size int64) Transfer {
	t := Transfer{Bytes: size}
	srv, addr, err := cfg.startServer(impl, serverDir)
	if err != nil {
		t.Err = err.Error()
		return t
	}
	var client *exec.Cmd
	switch {
	case impl == FileImplWire && dir == Upload:
		client = cfg.command(cfg.ClientCPU, cfg.Files, nil, "-addr", addr, "put", src, fileName)
	case impl == FileImplWire:
		client = cfg.command(cfg.ClientCPU, cfg.Files, nil, "-addr", addr, "get", fileName, dst)
	case dir == Upload:
		client = cfg.command(cfg.ClientCPU, cfg.Exe, cfg.Env, roleFilesClient, "-impl", impl, "-addr", addr, "-put", src, "-name", fileName)
	default:
		client = cfg.command(cfg.ClientCPU, cfg.Exe, cfg.Env, roleFilesClient, "-impl", impl, "-addr", addr, "-get", fileName, "-out", dst)
	}
	var clientOut strings.Builder
	client.Stdout, client.Stderr = &clientOut, &clientOut
	start := time.Now()
	err = runBounded(client, &t.ClientRSS)
	t.Wall = time.Since(start)
	if err != nil {
		t.Err = fmt.Sprintf("the client: %v: %s", err, strings.TrimSpace(clientOut.String()))
	} else {
		t.ClientCPU = cpuTime(client.ProcessState)
	}
	t.ServerRSS = peakRSS(srv.cmd.Process.Pid)
	if serr := srv.stop(); serr != nil && t.Err == "" {
		t.Err = "the server: " + serr.Error()
	}
	t.ServerCPU = cpuTime(srv.cmd.ProcessState)
	if dir == Download {
		os.Remove(dst)
	}
	return t
}

// command is a process pinned to cpu with GOMAXPROCS=1, when pinning.
func (cfg *FilesConfig) command(cpu int, exe string, env []string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	e := append(os.Environ(), env...)
	if cfg.Taskset != "" && cpu >= 0 {
		cmd = exec.Command(cfg.Taskset, append([]string{"-c", strconv.Itoa(cpu), exe}, args...)...)
		e = append(e, "GOMAXPROCS=1")
	} else {
		cmd = exec.Command(exe, args...)
	}
	cmd.Env = e
	return cmd
}

// runBounded runs cmd to its end, killing it after fileRunBound, and
// records its peak RSS in *rss while it runs.
func runBounded(cmd *exec.Cmd, rss *int64) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(rssPoll)
	defer tick.Stop()
	bound := time.After(fileRunBound)
	for {
		*rss = max(*rss, peakRSS(cmd.Process.Pid))
		select {
		case err := <-done:
			return err
		case <-tick.C:
		case <-bound:
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("still running after %v; killed", fileRunBound)
		}
	}
}

// rssPoll is how often the peak RSS of a running client is read: its last
// reading comes at most this long before the client exits, when nothing
// grows any more, and reading it costs the client's CPU next to nothing.
const rssPoll = 20 * time.Millisecond

// peakRSS is a running process's peak resident memory, VmHWM of
// /proc/PID/status, in bytes; 0 when it cannot be read. (getrusage's
// ru_maxrss of a child cannot serve: on Linux it includes the resident
// memory of the parent that started it, whose address space the child
// shared until it ran its program.)
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kib << 10
		}
	}
	return 0
}

// cpuTime is a finished process's user and system time.
func cpuTime(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	return ps.UserTime() + ps.SystemTime()
}

// fileServer is a running files server process.
type fileServer struct {
	cmd  *exec.Cmd
	done chan error
	out  *lockedBuffer
}

// startServer starts impl's server on dir and waits for its address.
func (cfg *FilesConfig) startServer(impl, dir string) (*fileServer, string, error) {
	var cmd *exec.Cmd
	if impl == FileImplWire {
		cmd = cfg.command(cfg.ServerCPU, cfg.FilesServer, nil, "-addr", "127.0.0.1:0", "-dir", dir, "-health=false", "-reflection=false")
	} else {
		cmd = cfg.command(cfg.ServerCPU, cfg.Exe, cfg.Env, roleFilesServer, "-impl", impl, "-dir", dir)
	}
	s := &fileServer{cmd: cmd, done: make(chan error, 1), out: &lockedBuffer{}}
	pr, pw := io.Pipe()
	cmd.Stdout = s.out
	cmd.Stderr = io.MultiWriter(s.out, pw)
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting the %s files server: %w", impl, err)
	}
	go func() { s.done <- cmd.Wait(); pw.Close() }()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case a := <-addr:
		return s, a, nil
	case err := <-s.done:
		s.done <- err
		return nil, "", fmt.Errorf("the %s files server exited (%v): %s", impl, err, s.out.String())
	case <-time.After(controlBound):
		cmd.Process.Kill()
		return nil, "", fmt.Errorf("the %s files server did not listen within %v: %s", impl, controlBound, s.out.String())
	}
}

// stop ends the server with SIGTERM and waits for it.
func (s *fileServer) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("%v: %s", err, s.out.String())
		}
		return nil
	case <-time.After(controlBound):
		s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("did not exit within %v of SIGTERM; killed", controlBound)
	}
}

// formatMiB writes a size in MiB.
func formatMiB(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
