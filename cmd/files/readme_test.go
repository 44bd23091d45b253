package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"grpcwire/client"
	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/framing"
	"grpcwire/internal/testkit/golden"
	"grpcwire/internal/testkit/testio"
	"grpcwire/observe"
	"grpcwire/trace"
	"grpcwire/trace/tracetest"
)

var update = flag.Bool("update", false, "rewrite the README's trace of a large upload from a run of the command")

// readmePath is the README, whose "Moving a large file" trace the test
// checks.
const readmePath = "../../README.md"

// Timing of the slow disk the README's upload writes to: the server starts
// writing an upload startDelay after its header came, and each chunk takes
// chunkDelay. The sender is then always waiting for flow control when a
// WINDOW_UPDATE comes, so every DATA frame's size and place is decided by
// the windows alone, and the trace is the same on every run; both delays
// are far above the time it takes to send a window's worth of bytes.
const (
	startDelay = 100 * time.Millisecond
	chunkDelay = 50 * time.Millisecond
)

// readmeFileSize is the README upload's file: a stream window and four
// chunks, so that flow control paces it.
const readmeFileSize = filesvc.StreamWindow + 4*filesvc.ChunkSize

// slowDisk delays every write by chunkDelay.
type slowDisk struct{ w io.Writer }

func (d slowDisk) Write(p []byte) (int, error) {
	time.Sleep(chunkDelay)
	return d.w.Write(p)
}

// recorder keeps a copy of every frame event it is told of, in order.
type recorder struct {
	mu  sync.Mutex
	evs []observe.FrameEvent
}

func (r *recorder) ObserveFrame(ev *observe.FrameEvent) {
	c := *ev
	c.Fields = slices.Clone(ev.Fields)
	c.Data = bytes.Clone(ev.Data)
	c.DebugData = bytes.Clone(ev.DebugData)
	c.Settings = slices.Clone(ev.Settings)
	r.mu.Lock()
	r.evs = append(r.evs, c)
	r.mu.Unlock()
}

// canonical orders the events as tracetest.Canonical orders a trace's
// frames, so that the trace does not depend on how the reader and writer
// goroutines were scheduled: the connection's stream-0 frames written, then
// those read, then each stream's frames in the order they came, which
// within a stream is the order of cause and effect (a WINDOW_UPDATE read
// before the DATA it lets go).
func canonical(evs []observe.FrameEvent) []observe.FrameEvent {
	var out []observe.FrameEvent
	var streams []uint32
	for _, ev := range evs {
		if id := ev.Header.StreamID; id != 0 && !slices.Contains(streams, id) {
			streams = append(streams, id)
		}
	}
	keep := func(f func(observe.FrameEvent) bool) {
		for _, ev := range evs {
			if f(ev) {
				out = append(out, ev)
			}
		}
	}
	keep(func(ev observe.FrameEvent) bool { return ev.Header.StreamID == 0 && ev.Sent })
	keep(func(ev observe.FrameEvent) bool { return ev.Header.StreamID == 0 && !ev.Sent })
	for _, id := range streams {
		keep(func(ev observe.FrameEvent) bool { return ev.Header.StreamID == id })
	}
	return out
}

// readmeModified is the modification time the README's trace shows for the
// stored file; the real one varies from run to run, as the client's port
// does.
var readmeModified = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fixModified gives the FileInfo of the upload's response, in the DATA
// frame that carries it, the modification time readmeModified, so that the
// frame is the same on every run (the time's varint changes its length).
func fixModified(t *testing.T, ev *observe.FrameEvent) {
	t.Helper()
	if ev.Sent || ev.Header.Type != http2.FrameData || len(ev.Data) < framing.PrefixLen {
		return
	}
	var fi filespb.FileInfo
	if proto.Unmarshal(ev.Data[framing.PrefixLen:], &fi) != nil || fi.GetModified() == nil {
		return
	}
	fi.Modified = timestamppb.New(readmeModified)
	msg, err := proto.Marshal(&fi)
	if err != nil {
		t.Fatal(err)
	}
	ev.Data = append(framing.Prefix{Length: uint32(len(msg))}.Append(nil), msg...)
	ev.Header.Length = uint32(len(ev.Data))
}

// uploadTrace uploads a file of readmeFileSize bytes to a slow disk with
// files -trace and returns the trace as the README shows it: the frames in
// canonical order, printed with the options -trace -trace-times=false
// gives, the connection's two ports those of the README's commands.
func uploadTrace(t *testing.T) string {
	t.Helper()
	srv := startServer(t, "")
	srv.store.SetWrapWriter(func(w io.Writer) io.Writer {
		time.Sleep(startDelay)
		return slowDisk{w}
	})
	src := randomFile(t, t.TempDir(), "video.mp4", readmeFileSize, 1)
	rec := &recorder{}
	var out, errOut testio.Buffer
	sio := &stdio{out: &out, err: &errOut, observer: func(client.ConnInfo) observe.Observer { return rec }}
	ctx := t.Context()
	if code := run(ctx, []string{"-addr", srv.addr, "-trace", "-trace-times=false", "put", src}, sio); code != 0 {
		t.Fatalf("files put: exit %d\n%s", code, errOut.String())
	}
	var b bytes.Buffer
	tr := trace.New(&b, append(trace.FlagOptions(false, false), trace.SummarizeData())...)
	c := tr.Conn(trace.Client, "127.0.0.1:54321", "127.0.0.1:50052", time.Now())
	for _, ev := range canonical(rec.evs) {
		fixModified(t, &ev)
		c.ObserveFrame(&ev)
	}
	tr.Flush()
	return strings.ReplaceAll(b.String(), srv.addr, "localhost:50052")
}

// excerpt cuts the README's excerpt out of the whole trace: the call's
// stream (stream 1) with the frames of its header message and first chunk,
// of the first two chunks during which WINDOW_UPDATEs came (the stream
// window ran out, and credit paced the sender), and of the end of the call;
// one line stands for each run of chunks left out.
func excerpt(t *testing.T, whole string) string {
	t.Helper()
	type group struct {
		chunk int // 0: the header message; -1: the end of the call
		text  strings.Builder
		paced bool // a WINDOW_UPDATE came during it
	}
	var groups []*group
	for _, f := range tracetest.Parse(whole) {
		if f.Open || f.Stream != 1 {
			continue
		}
		switch {
		case len(groups) == 0:
			groups = append(groups, &group{chunk: 0})
		case strings.Contains(f.Text, "files.UploadRequest  # "):
			groups = append(groups, &group{chunk: len(groups)})
		case strings.Contains(f.Text, "sha256: ") && groups[len(groups)-1].chunk >= 0:
			groups = append(groups, &group{chunk: -1})
		}
		g := groups[len(groups)-1]
		g.text.WriteString(f.Text)
		g.paced = g.paced || strings.HasPrefix(f.Text, "c1 <- WINDOW_UPDATE stream=1 ")
	}
	var b strings.Builder
	paced, from := 0, 0
	for _, g := range groups {
		keep := g.chunk <= 1 || (g.paced && paced < 2)
		if g.paced && g.chunk > 0 {
			paced++
		}
		if !keep {
			if from == 0 {
				from = g.chunk
			}
			continue
		}
		if from > 0 {
			to := g.chunk - 1
			if g.chunk < 0 {
				to = len(groups) - 2
			}
			if from == to {
				fmt.Fprintf(&b, "...   (chunk %d goes the same way)\n", from)
			} else {
				fmt.Fprintf(&b, "...   (chunks %d to %d go the same way)\n", from, to)
			}
			from = 0
		}
		b.WriteString(g.text.String())
	}
	if len(groups) < 3 || groups[len(groups)-1].chunk != -1 || paced < 2 {
		t.Fatalf("the trace has no sha256 message after its chunks, or fewer than two chunks with a WINDOW_UPDATE on stream 1:\n%s", whole)
	}
	return b.String()
}

// TestReadmeUploadTrace fails when the README's trace of a large upload
// ("Moving a large file") is not what the command prints today. go test
// -run TestReadmeUploadTrace -update rewrites it.
func TestReadmeUploadTrace(t *testing.T) {
	shown := golden.Block(t, readmePath, "files-trace", "upload")
	// The trace is the same on every run unless a loaded machine stalls
	// the sender for longer than chunkDelay; a second run settles that.
	var want string
	for attempt := range 2 {
		want = "```text\n" + excerpt(t, uploadTrace(t)) + "```\n"
		if shown == want || attempt == 1 || *update {
			break
		}
	}
	golden.Blocks(t, readmePath, "files-trace", map[string]string{"upload": want}, *update, "go test ./cmd/files -run TestReadmeUploadTrace -update")
}
