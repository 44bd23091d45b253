package framing_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"grpcwire/framing"
)

// Seed corpora live in testdata/fuzz/FuzzReader and testdata/fuzz/FuzzRoundTrip
// (go test fuzz v1 files); plain go test runs them.

// fuzzLimit maps a fuzzed number to a small receive limit, 0 to 4096 bytes,
// small enough that a decompression bomb in the input would show up in the
// memory check.
func fuzzLimit(n uint16) int { return int(n % 4097) }

// FuzzReader feeds arbitrary bytes to a Reader as a stream, with or without
// gzip as the encoding and under a small limit, read three ways (whole, one
// byte per Read, fuzzed chunks). It checks that the Reader never panics, that
// the three agree with each other and with a model of the spec written
// independently below, that no message exceeds the limit, that every error is
// one of the distinct kinds, and that memory stays bounded.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte, useGzip bool, limitSeed uint16, chunkSeed uint8) {
		limit := fuzzLimit(limitSeed)
		var codec framing.Codec
		if useGzip {
			codec = framing.Gzip
		}
		want, wantErr := modelRead(stream, useGzip, limit)

		sources := []struct {
			name string
			src  io.Reader
		}{
			{"whole", bytes.NewReader(stream)},
			{"one byte", iotest.OneByteReader(bytes.NewReader(stream))},
			{"chunks", &chunkReader{data: stream, next: seededChunks(chunkSeed), eofWithData: chunkSeed&1 == 1}},
		}
		for i, s := range sources {
			r := framing.NewReader(s.src, limit)
			r.SetCodec(codec)
			var got []result
			var err error
			alloc := measureAlloc(func() { got, err = readAll(r, i == 0) })
			for _, m := range got {
				if len(m.msg) > limit {
					t.Fatalf("%s: a message of %d bytes passed the limit of %d", s.name, len(m.msg), limit)
				}
			}
			if kind := errKind(err); kind == "" {
				t.Fatalf("%s: error of no known kind: %#v", s.name, err)
			} else if kind != wantErr {
				t.Fatalf("%s: error %q (%v), model says %q", s.name, kind, err, wantErr)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d messages, model says %d", s.name, len(got), len(want))
			}
			for j := range want {
				if !bytes.Equal(got[j].msg, want[j].msg) || got[j].compressed != want[j].compressed {
					t.Fatalf("%s: message %d differs from the model", s.name, j)
				}
			}
			// The memory bound: a small constant (gzip state), a few limits'
			// worth of buffers, and what compress/flate allocates per
			// compressed block, which scales with the input. A bomb
			// decompressed past the limit, or a buffer sized from a
			// declared length, would blow it.
			if bound := uint64(256<<10 + 4*limit + 64*len(stream)); alloc > bound {
				t.Fatalf("%s: allocated %d bytes for a %d-byte stream under limit %d, want at most %d",
					s.name, alloc, len(stream), limit, bound)
			}
		}
	})
}

// modelRead is an independent reading of PROTOCOL-HTTP2.md's
// Length-Prefixed-Message over a complete stream: it returns the messages and
// the kind of error that ends the stream, in the order of checks the Reader
// documents (flag, encoding, declared length, body, decompressed size).
func modelRead(s []byte, useGzip bool, limit int) ([]result, string) {
	var out []result
	for {
		if len(s) == 0 {
			return out, "eof"
		}
		if len(s) < 5 {
			return out, "truncated"
		}
		flag, n := s[0], binary.BigEndian.Uint32(s[1:5])
		switch {
		case flag > 1:
			return out, "bad flag"
		case flag == 1 && !useGzip:
			return out, "without encoding"
		case uint64(n) > uint64(limit):
			return out, "too large"
		case uint64(len(s)-5) < uint64(n):
			return out, "truncated"
		}
		body := s[5 : 5+n]
		s = s[5+n:]
		if flag == 0 {
			out = append(out, result{bytes.Clone(body), false})
			continue
		}
		if n == 0 {
			out = append(out, result{[]byte{}, true})
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return out, "decompress"
		}
		msg, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
		if len(msg) > limit {
			return out, "too large"
		}
		if err != nil {
			return out, "decompress"
		}
		out = append(out, result{msg, true})
	}
}

// errKind names which of the package's distinct errors err is, or "" if none.
func errKind(err error) string {
	var tooLarge *framing.TooLargeError
	switch {
	case err == io.EOF:
		return "eof"
	case errors.Is(err, framing.ErrTruncated):
		return "truncated"
	case errors.As(err, &tooLarge):
		return "too large"
	case errors.Is(err, framing.ErrCompressedWithoutEncoding):
		return "without encoding"
	case errors.Is(err, framing.ErrBadFlag):
		return "bad flag"
	case errors.Is(err, framing.ErrDecompress):
		return "decompress"
	}
	return ""
}

// seededChunks returns chunk sizes 1..64 from a tiny deterministic generator,
// so that a fuzzed byte picks the split pattern.
func seededChunks(seed uint8) func(int) int {
	x := uint32(seed)*2654435761 + 1
	return func(int) int {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return 1 + int(x%64)
	}
}

// measureAlloc returns the bytes allocated while f runs (without forcing a GC,
// which would make fuzzing crawl).
func measureAlloc(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// FuzzRoundTrip frames arbitrary messages with AppendMessage and with
// BeginMessage/FinishMessage, gzip or not, and checks that both framings are
// the same bytes, that a Reader gets the message back exactly under the
// tightest limit that admits it, and that a limit one byte smaller is
// enforced on both sides (on the declared or the decompressed size, whichever
// is larger).
func FuzzRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, msg []byte, useGzip bool, offset uint8) {
		var codec framing.Codec
		if useGzip {
			codec = framing.Gzip
		}
		lead := bytes.Repeat([]byte{0xa5}, int(offset%16))

		framed, err := framing.AppendMessage(bytes.Clone(lead), msg, codec, len(msg))
		if err != nil {
			t.Fatalf("AppendMessage: %v", err)
		}
		if !bytes.Equal(framed[:len(lead)], lead) {
			t.Fatal("AppendMessage changed the bytes already in dst")
		}
		framed = framed[len(lead):]
		p, err := framing.ParsePrefix(framed)
		if err != nil || !p.Valid() || p.Compressed() != useGzip || int(p.Length) != len(framed)-framing.PrefixLen {
			t.Fatalf("prefix %+v (%v) for a %d-byte body", p, err, len(framed)-framing.PrefixLen)
		}
		if !useGzip && !bytes.Equal(framed[framing.PrefixLen:], msg) {
			t.Fatal("an uncompressed body differs from the message")
		}

		buf := framing.BeginMessage(bytes.Clone(lead))
		buf = append(buf, msg...)
		buf, err = framing.FinishMessage(buf, len(lead), codec, len(msg))
		if err != nil {
			t.Fatalf("FinishMessage: %v", err)
		}
		if !bytes.Equal(buf[:len(lead)], lead) || !bytes.Equal(buf[len(lead):], framed) {
			t.Fatal("BeginMessage/FinishMessage and AppendMessage framed the message differently")
		}

		// The receive limit applies to the declared (compressed) length and
		// to the decompressed size, so the tightest limit that passes is the
		// larger of the two: gzip makes tiny messages bigger.
		limit := max(len(msg), len(framed)-framing.PrefixLen)
		stream := append(bytes.Clone(framed), framed...)
		r := framing.NewReader(iotest.HalfReader(bytes.NewReader(stream)), limit)
		r.SetCodec(codec)
		got, err := readAll(r, true)
		if err != io.EOF || len(got) != 2 {
			t.Fatalf("read back %d messages, %v; want 2, io.EOF", len(got), err)
		}
		for _, g := range got {
			if !bytes.Equal(g.msg, msg) || g.compressed != useGzip {
				t.Fatalf("read back %q (compressed %v), want %q (%v)", g.msg, g.compressed, msg, useGzip)
			}
		}

		if len(msg) == 0 {
			return
		}
		var tooLarge *framing.TooLargeError
		if _, err := framing.AppendMessage(nil, msg, codec, len(msg)-1); !errors.As(err, &tooLarge) || !tooLarge.Send {
			t.Fatalf("AppendMessage over the send limit: %v", err)
		}
		r = framing.NewReader(bytes.NewReader(framed), limit-1)
		r.SetCodec(codec)
		if _, _, err := r.ReadMessage(nil); !errors.As(err, &tooLarge) || tooLarge.Send ||
			tooLarge.Decompressed != (useGzip && len(framed)-framing.PrefixLen < limit) {
			t.Fatalf("ReadMessage over the receive limit: %#v", err)
		}
	})
}
