package trace

import (
	"fmt"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/observe"
)

// SummarizeData shows each run of DATA frames in the middle of one large
// message as one line, so that the trace of a large transfer stays
// readable: a 1 MiB message in 16 KiB frames is 64 frames, a 4 GiB file
// hundreds of thousands. A run is frames of one stream and direction, one
// after another in the trace, each carrying only message bytes that neither
// start nor end a Length-Prefixed-Message; the frame that starts a message
// and the one that ends it are shown as usual, and any other frame (a
// WINDOW_UPDATE, say) ends the run, so flow control stays visible:
//
//	c1 -> DATA          stream=1 len=16384
//	      Length-Prefixed-Message Compressed-Flag=0 Message-Length=1048580 files.UploadRequest  # 16379 bytes here, the rest follows
//	c1 -> DATA          stream=1 len=16384 ×62  # 62 frames in the middle of the message: 1032187 of its 1048580 bytes so far
//	c1 <- WINDOW_UPDATE stream=1 len=4 increment=262144
//
// A run is printed when the next frame comes, or at Flush.
func SummarizeData() Option {
	return optionFunc(func(c *config) { c.summarizeData = true })
}

// dataRun is a run of DATA frames being summarised. Guarded by the
// Tracer's mu.
type dataRun struct {
	c        *ConnTrace // nil: no run
	stream   uint32
	sent     bool
	at       time.Time // the first frame's time
	first    []byte    // the first frame's text, printed as it is if it stays alone
	frames   int
	min, max uint32 // frame lengths
	got, of  uint32 // message bytes so far, and the message's length
}

// absorb adds ev to the Tracer's run if it is a DATA frame in the middle of
// a message, starting a new run if needed (and printing the one before),
// and reports whether it did, with the frame's own text (which the run
// holds back from the text output).
func (c *ConnTrace) absorb(ev *observe.FrameEvent) (bool, []byte) {
	h := ev.Header
	if h.Type != http2.FrameData || h.Flags != 0 || len(ev.Data) == 0 || h.StreamID == 0 {
		return false, nil
	}
	st := c.streams[h.StreamID]
	if st == nil {
		return false, nil
	}
	f := &st.flows[flowIndex(ev.Sent)]
	if !f.inMsg || f.broken || uint64(len(ev.Data)) >= uint64(f.pfx.Length-f.got) {
		return false, nil
	}
	t := c.t
	r := &t.run
	n := uint32(len(ev.Data))
	if r.c == c && r.stream == h.StreamID && r.sent == ev.Sent {
		t.scratch = c.appendFrame(t.scratch[:0], ev) // keeps the reassembly state
		r.frames++
		r.min, r.max = min(r.min, n), max(r.max, n)
		r.got = f.got
		return true, t.scratch
	}
	t.flushRun()
	*r = dataRun{c: c, stream: h.StreamID, sent: ev.Sent, at: ev.Time, frames: 1, min: n, max: n, of: f.pfx.Length}
	r.first = c.appendFrame(r.first[:0], ev)
	r.got = f.got
	return true, r.first
}

// flushRun prints the pending run, if any: its first frame as it is when it
// is alone, else one line for all of it. Callers hold t.mu.
func (t *Tracer) flushRun() {
	r := &t.run
	if r.c == nil {
		return
	}
	var b []byte
	if r.frames == 1 {
		b = append(t.buf[:0], r.first...)
	} else {
		b = r.c.appendPrefix(t.buf[:0], r.at)
		if r.sent {
			b = append(b, "-> "...)
		} else {
			b = append(b, "<- "...)
		}
		b = fmt.Appendf(b, "%-*s stream=%d", typeWidth, http2.FrameData, r.stream)
		if r.min == r.max {
			b = fmt.Appendf(b, " len=%d", r.min)
		} else {
			b = fmt.Appendf(b, " len=%d..%d", r.min, r.max)
		}
		b = fmt.Appendf(b, " ×%d  # %d frames in the middle of the message: %d of its %d bytes so far\n", r.frames, r.frames, r.got, r.of)
	}
	first := r.first
	*r = dataRun{first: first[:0]}
	t.write(b)
}

// Flush prints what the trace holds back: with SummarizeData, the run of
// DATA frames being summarised. Call it when a traced connection has ended
// without a frame after the run (the program stops, the connection broke).
func (t *Tracer) Flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushRun()
}
