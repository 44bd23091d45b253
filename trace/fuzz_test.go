package trace_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"grpcwire/trace"
)

// FuzzReassembly feeds the DATA payload of a GetUsers response to the trace
// once whole and once cut into frames at the given steps. Whatever the bytes,
// the trace must not panic, and since "DATA frame boundaries have no relation
// to Length-Prefixed-Message boundaries", the messages it finds, with their
// prefixes and decoded text, must be the same however the payload was cut,
// with SummarizeData too.
func FuzzReassembly(f *testing.F) {
	// Seeds are in testdata/fuzz/FuzzReassembly: two results, a split
	// prefix, a zero-length message, an invalid flag, a truncated message.
	f.Fuzz(func(t *testing.T, payload, steps []byte) {
		if len(payload) > 4<<10 {
			return
		}
		whole := messagesOnly(reassemble(t, payload, nil))
		cut := messagesOnly(reassemble(t, payload, steps))
		if whole != cut {
			t.Fatalf("messages differ when the payload is cut at steps %v:\nwhole:\n%s\ncut:\n%s", steps, whole, cut)
		}
		summarized := messagesOnly(reassemble(t, payload, steps, trace.SummarizeData()))
		if whole != summarized {
			t.Fatalf("messages differ with SummarizeData when the payload is cut at steps %v:\nwhole:\n%s\nsummarized:\n%s", steps, whole, summarized)
		}
	})
}

// reassemble traces a GetUsers call whose response payload comes in DATA
// frames of the sizes in steps (cycled; a zero step is one byte), or in one
// frame when steps is empty, and then the trailers.
func reassemble(t *testing.T, payload, steps []byte, opts ...trace.Option) string {
	var buf bytes.Buffer
	opts = append([]trace.Option{trace.OmitTimes(), trace.MaxMessageSize(1024)}, opts...)
	c := trace.New(&buf, opts...).Conn(trace.Client, "a", "b", time.Now())
	c.ObserveFrame(requestHeaders(true, 1, "/users.Users/GetUsers"))
	c.ObserveFrame(headersEv(false, 1, 0, ":status", "200", "grpc-encoding", "gzip"))
	rest := payload
	for i := 0; len(rest) > 0; i++ {
		n := len(rest)
		if len(steps) > 0 {
			n = min(max(int(steps[i%len(steps)]), 1), len(rest))
		}
		c.ObserveFrame(dataEv(false, 1, false, rest[:n]))
		rest = rest[n:]
	}
	c.ObserveFrame(headersEv(false, 1, 0x1, "grpc-status", "0"))
	return buf.String()
}

// pieceComment is what a message's line says when the message goes on in
// later frames.
var pieceComment = regexp.MustCompile(`  # [0-9]+ bytes here, the rest follows$`)

// messagesOnly keeps what does not depend on where frames were cut: the
// message lines (without the comment on pieces), decoded messages and the
// note on a stream ending inside one.
func messagesOnly(tr string) string {
	var b strings.Builder
	for line := range strings.Lines(tr) {
		line = strings.TrimSuffix(line, "\n")
		body := strings.TrimLeft(line, " ")
		switch {
		case !strings.HasPrefix(line, " "): // a frame's own line
		case strings.HasPrefix(body, "... "): // a piece of a message
		case strings.Contains(body, "bytes of a Length-Prefixed-Message prefix; the rest follows"):
		case strings.HasPrefix(body, "(not parsed: "): // said once per later frame
		case strings.HasPrefix(body, "(the stream ended inside a Length-Prefixed-Message prefix"):
			// How many prefix bytes came is the same however cut; keep.
			b.WriteString(body + "\n")
		case strings.HasPrefix(line, "      "+":") || strings.HasPrefix(body, "grpc-"):
			// Header fields.
		default:
			b.WriteString(pieceComment.ReplaceAllString(line, "") + "\n")
		}
	}
	return b.String()
}

// TestReassemblyComparesMessages keeps FuzzReassembly from passing
// vacuously: what it compares holds the messages, decoded.
func TestReassemblyComparesMessages(t *testing.T) {
	payload := lpm(t, 0, marshal(t, alexa))
	payload = append(payload, payload...)
	for _, steps := range [][]byte{nil, {1}, {3, 7}} {
		got := messagesOnly(reassemble(t, payload, steps))
		if n := strings.Count(got, "Length-Prefixed-Message Compressed-Flag=0 Message-Length=11 users.GetUsersResult\n"); n != 2 {
			t.Errorf("steps %v: %d message lines, want 2:\n%s", steps, n, got)
		}
		if n := strings.Count(got, "username: \"alexa\""); n != 2 {
			t.Errorf("steps %v: %d decoded messages, want 2:\n%s", steps, n, got)
		}
	}
}
