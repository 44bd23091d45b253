package framing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"grpcwire/framing"
)

// testStream is a stream of messages of assorted sizes and both flags, built
// by hand: empty messages, messages straddling the Reader's read-ahead, and a
// large one that is read around it.
func testStream(t testing.TB) (stream []byte, want []result) {
	return buildStream(t, true)
}

// buildStream builds the test stream; without large it leaves out the two
// messages of 70 and 100 KB, keeping messages that are read around the
// read-ahead, for tests that read the stream thousands of times.
func buildStream(t testing.TB, large bool) (stream []byte, want []result) {
	t.Helper()
	add := func(flag byte, msg []byte) {
		body := msg
		if flag == 1 {
			body = gzipStd(t, msg)
		}
		stream = append(stream, frame(flag, body)...)
		want = append(want, result{msg, flag == 1})
	}
	add(0, []byte{})
	add(0, []byte("a"))
	add(1, []byte{})
	add(1, payload(100, 1))
	add(0, payload(300, 2))
	add(0, payload(507, 3)) // prefix + body = the read-ahead size
	add(0, payload(508, 4))
	add(1, payload(3000, 5))
	if large {
		add(0, payload(70000, 6))
	} else {
		add(0, payload(1500, 6))
	}
	add(0, []byte{})
	if large {
		add(1, bytes.Repeat([]byte("z"), 100000))
	}
	add(0, payload(5, 7))
	return stream, want
}

func checkResults(t *testing.T, got []result, err error, want []result) {
	t.Helper()
	if err != io.EOF {
		t.Errorf("final error = %v, want io.EOF itself", err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].msg, want[i].msg) || got[i].compressed != want[i].compressed {
			t.Fatalf("message %d: got %d bytes compressed=%v, want %d bytes compressed=%v",
				i, len(got[i].msg), got[i].compressed, len(want[i].msg), want[i].compressed)
		}
	}
}

// TestReaderSplitEverywhere splits the stream into two reads at every byte
// boundary, so that every prefix byte and body byte is once the last of a
// read.
func TestReaderSplitEverywhere(t *testing.T) {
	stream, want := buildStream(t, false)
	r := framing.NewReader(nil, -1)
	r.SetCodec(framing.Gzip)
	step := 1
	if testing.Short() {
		step = 7
	}
	for at := 0; at <= len(stream); at += step {
		r.Reset(newSplitReader(stream, at))
		got, err := readAll(r, at%2 == 0)
		if t.Failed() {
			t.Fatalf("split at %d", at)
		}
		checkResults(t, got, err, want)
	}
}

func TestReaderChunkings(t *testing.T) {
	stream, want := testStream(t)
	readers := map[string]func() io.Reader{
		"one Read holds everything": func() io.Reader { return bytes.NewReader(stream) },
		"one byte per Read":         func() io.Reader { return iotest.OneByteReader(bytes.NewReader(stream)) },
		"half of what is asked":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(stream)) },
		"last data comes with EOF":  func() io.Reader { return iotest.DataErrReader(bytes.NewReader(stream)) },
	}
	for seed := range uint64(20) {
		readers[fmt.Sprintf("random chunks seed %d", seed)] = func() io.Reader {
			return &chunkReader{data: stream, next: randomChunks(seed), eofWithData: seed%2 == 0}
		}
	}
	for name, mk := range readers {
		for _, reuse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reuse=%v", name, reuse), func(t *testing.T) {
				r := framing.NewReader(mk(), 1<<20)
				r.SetCodec(framing.Gzip)
				got, err := readAll(r, reuse)
				checkResults(t, got, err, want)
			})
		}
	}
}

// TestReaderFewReads checks that many small messages delivered in one Read
// take few Read calls: the read-ahead serves several prefixes and bodies.
func TestReaderFewReads(t *testing.T) {
	var stream []byte
	for i := range 100 {
		stream = append(stream, frame(0, []byte(fmt.Sprintf("message %03d", i)))...)
	}
	src := &chunkReader{data: stream, next: func(max int) int { return max }}
	r := framing.NewReader(src, -1)
	got, err := readAll(r, true)
	if err != io.EOF || len(got) != 100 {
		t.Fatalf("read %d messages, err %v; want 100, io.EOF", len(got), err)
	}
	// 1600 bytes through a 512-byte read-ahead: 4 reads with data plus the
	// one that reports EOF, give or take a refill at a boundary.
	if src.reads > 8 {
		t.Errorf("%d Read calls for %d bytes of small messages, want at most 8", src.reads, len(stream))
	}
}

// TestReaderOneReadPerMessage checks that a message arriving in its own Read
// (prefix and body together, as in one DATA frame) costs one Read call.
func TestReaderOneReadPerMessage(t *testing.T) {
	msgs := [][]byte{[]byte("hello"), payload(200, 1), payload(400, 2)}
	var parts [][]byte
	for _, m := range msgs {
		parts = append(parts, frame(0, m))
	}
	reads := 0
	src := readerFunc(func(p []byte) (int, error) {
		reads++
		if len(parts) == 0 {
			return 0, io.EOF
		}
		n := copy(p, parts[0])
		parts[0] = parts[0][n:]
		if len(parts[0]) == 0 {
			parts = parts[1:]
		}
		return n, nil
	})
	r := framing.NewReader(src, -1)
	for i, m := range msgs {
		got, _, err := r.ReadMessage(nil)
		if err != nil || !bytes.Equal(got, m) {
			t.Fatalf("message %d: %q, %v", i, got, err)
		}
		if reads != i+1 {
			t.Errorf("after message %d: %d Read calls, want %d", i, reads, i+1)
		}
	}
}

func TestReaderZeroLength(t *testing.T) {
	for _, tt := range []struct {
		flag byte
		buf  []byte
	}{{0, nil}, {0, make([]byte, 10)}, {1, nil}, {1, make([]byte, 10)}} {
		t.Run(fmt.Sprintf("flag %d, buf nil %v", tt.flag, tt.buf == nil), func(t *testing.T) {
			flag := tt.flag
			r := framing.NewReader(bytes.NewReader(frame(flag, nil)), 0)
			r.SetCodec(framing.Gzip)
			msg, compressed, err := r.ReadMessage(tt.buf)
			if err != nil || len(msg) != 0 || msg == nil || compressed != (flag == 1) {
				t.Fatalf("ReadMessage = %q (nil %v), %v, %v; want an empty non-nil message, %v, nil", msg, msg == nil, compressed, err, flag == 1)
			}
			if _, _, err := r.ReadMessage(nil); err != io.EOF {
				t.Fatalf("second ReadMessage err = %v, want io.EOF", err)
			}
		})
	}
	// A gzip stream of zero bytes (what a gzip sender produces for an empty
	// message) is just as empty.
	r := framing.NewReader(bytes.NewReader(frame(1, gzipStd(t, nil))), 100)
	r.SetCodec(framing.Gzip)
	if msg, compressed, err := r.ReadMessage(nil); err != nil || len(msg) != 0 || !compressed {
		t.Fatalf("gzip of nothing: %q, %v, %v", msg, compressed, err)
	}
}

var errSource = errors.New("stream reset by peer")

func TestReaderErrors(t *testing.T) {
	corruptGzip := gzipStd(t, payload(1000, 9))
	corruptGzip[len(corruptGzip)/2] ^= 0xff
	badCRC := gzipStd(t, []byte("hello, world"))
	badCRC[len(badCRC)-8] ^= 1

	type check func(t *testing.T, err error)
	is := func(target error) check {
		return func(t *testing.T, err error) {
			if !errors.Is(err, target) {
				t.Errorf("err = %v, want errors.Is %v", err, target)
			}
		}
	}
	says := func(s string) check {
		return func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("err = %v, want it to say %q", err, s)
			}
		}
	}
	tooLarge := func(want framing.TooLargeError) check {
		return func(t *testing.T, err error) {
			var e *framing.TooLargeError
			if !errors.As(err, &e) || *e != want {
				t.Errorf("err = %#v, want *TooLargeError %+v", err, want)
			}
		}
	}
	flagErr := func(f byte) check {
		return func(t *testing.T, err error) {
			var e *framing.FlagError
			if !errors.As(err, &e) || e.Flag != f || !errors.Is(err, framing.ErrBadFlag) {
				t.Errorf("err = %v, want *FlagError{Flag: %d} matching ErrBadFlag", err, f)
			}
		}
	}
	decompress := func(t *testing.T, err error) {
		var e *framing.DecompressError
		if !errors.As(err, &e) || e.Codec != "gzip" || e.Err == nil || !errors.Is(err, framing.ErrDecompress) {
			t.Errorf("err = %v, want *DecompressError{Codec: gzip} matching ErrDecompress", err)
		}
	}
	notUnexpectedEOF := func(t *testing.T, err error) {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v must not be io.ErrUnexpectedEOF", err)
		}
	}

	tests := []struct {
		name   string
		src    io.Reader
		codec  framing.Codec
		maxLen int
		before int // messages that read fine before the error
		checks []check
	}{
		{"empty stream is a clean end", bytes.NewReader(nil), nil, -1, 0,
			[]check{func(t *testing.T, err error) {
				if err != io.EOF {
					t.Errorf("err = %#v, want io.EOF itself", err)
				}
			}}},
		{"clean end after a message", bytes.NewReader(frame(0, []byte("x"))), nil, -1, 1,
			[]check{func(t *testing.T, err error) {
				if err != io.EOF {
					t.Errorf("err = %#v, want io.EOF itself", err)
				}
			}}},
		{"end inside a prefix", bytes.NewReader([]byte{0, 0, 0}), nil, -1, 0,
			[]check{is(framing.ErrTruncated), says("after 3 of 5 prefix bytes"), notUnexpectedEOF}},
		{"end after one prefix byte of the second message", bytes.NewReader(append(frame(0, []byte("x")), 0)), nil, -1, 1,
			[]check{is(framing.ErrTruncated), says("after 1 of 5 prefix bytes")}},
		{"end inside a body", bytes.NewReader(frameLen(0, 100, make([]byte, 10))), nil, -1, 0,
			[]check{is(framing.ErrTruncated), says("after 10 of 100 message bytes"), notUnexpectedEOF}},
		{"end inside a large body", iotest.HalfReader(bytes.NewReader(frameLen(0, 100000, make([]byte, 99999)))), nil, -1, 0,
			[]check{is(framing.ErrTruncated), says("after 99999 of 100000 message bytes")}},
		{"end inside a compressed body", bytes.NewReader(frameLen(1, 50, make([]byte, 49))), framing.Gzip, -1, 0,
			[]check{is(framing.ErrTruncated), says("after 49 of 50 message bytes")}},
		{"source reports io.ErrUnexpectedEOF", &errAfterReader{[]byte{0, 0, 0, 0, 9, 1}, io.ErrUnexpectedEOF}, nil, -1, 0,
			[]check{is(framing.ErrTruncated), says("after 1 of 9 message bytes"), notUnexpectedEOF}},
		{"declared length over the receive limit", bytes.NewReader(frameLen(0, 5000000, nil)), nil, 4194304, 0,
			[]check{tooLarge(framing.TooLargeError{Length: 5000000, Limit: 4194304}),
				says("grpcwire: received message of 5000000 bytes exceeds the max receive size of 4194304 bytes")}},
		{"one byte over the limit", bytes.NewReader(frame(0, make([]byte, 11))), nil, 10, 0,
			[]check{tooLarge(framing.TooLargeError{Length: 11, Limit: 10})}},
		{"limit zero allows only empty messages", bytes.NewReader(append(frame(0, nil), frame(0, []byte{1})...)), nil, 0, 1,
			[]check{tooLarge(framing.TooLargeError{Length: 1, Limit: 0})}},
		{"compressed length over the limit", bytes.NewReader(frameLen(1, math.MaxUint32, nil)), framing.Gzip, 1 << 20, 0,
			[]check{tooLarge(framing.TooLargeError{Length: math.MaxUint32, Limit: 1 << 20})}},
		{"decompressed size over the limit", bytes.NewReader(frame(1, gzipStd(t, make([]byte, 1001)))), framing.Gzip, 1000, 0,
			[]check{tooLarge(framing.TooLargeError{Length: 1001, Limit: 1000, Decompressed: true}),
				says("grpcwire: decompressed message exceeds the max receive size of 1000 bytes")}},
		{"flag 1 without an encoding", bytes.NewReader(frame(1, gzipStd(t, []byte("x")))), nil, -1, 0,
			[]check{is(framing.ErrCompressedWithoutEncoding)}},
		{"flag 1 with identity", bytes.NewReader(frame(1, []byte("x"))), framing.Identity, -1, 0,
			[]check{is(framing.ErrCompressedWithoutEncoding)}},
		{"flag 1 without an encoding, length 0", bytes.NewReader(frame(1, nil)), nil, -1, 0,
			[]check{is(framing.ErrCompressedWithoutEncoding)}},
		{"flag 2", bytes.NewReader(frame(2, []byte("x"))), framing.Gzip, -1, 0, []check{flagErr(2)}},
		{"flag 0x80", bytes.NewReader(frame(0x80, nil)), nil, -1, 0, []check{flagErr(0x80)}},
		{"flag 255 after a good message", bytes.NewReader(append(frame(0, []byte("ok")), frame(0xff, nil)...)), nil, -1, 1, []check{flagErr(0xff)}},
		{"bad flag wins over a huge length", bytes.NewReader(frameLen(7, math.MaxUint32, nil)), nil, 10, 0, []check{flagErr(7)}},
		{"corrupt gzip", bytes.NewReader(frame(1, corruptGzip)), framing.Gzip, -1, 0, []check{decompress}},
		{"gzip with a bad checksum", bytes.NewReader(frame(1, badCRC)), framing.Gzip, -1, 0, []check{decompress}},
		{"not gzip at all", bytes.NewReader(frame(1, []byte("plain text"))), framing.Gzip, -1, 0, []check{decompress}},
		{"gzip cut short", bytes.NewReader(frame(1, gzipStd(t, payload(500, 1))[:30])), framing.Gzip, -1, 0, []check{decompress}},
		{"source error inside a prefix", &errAfterReader{[]byte{0, 0}, errSource}, nil, -1, 0,
			[]check{is(errSource), says("reading a message prefix")}},
		{"source error at a boundary", &errAfterReader{frame(0, []byte("x")), errSource}, nil, -1, 1,
			[]check{is(errSource)}},
		{"source error inside a body", &errAfterReader{frameLen(0, 10, []byte("abc")), errSource}, nil, -1, 0,
			[]check{is(errSource), says("reading a message body")}},
		{"source returns nothing forever", readerFunc(func([]byte) (int, error) { return 0, nil }), nil, -1, 0,
			[]check{is(io.ErrNoProgress)}},
		{"source claims more bytes than it was given room for", readerFunc(func(p []byte) (int, error) { return len(p) + 1, nil }), nil, -1, 0,
			[]check{says("impossible byte count")}},
		{"source claims a negative count", readerFunc(func(p []byte) (int, error) { return -1, nil }), nil, -1, 0,
			[]check{says("impossible byte count")}},
		{"no source", nil, nil, -1, 0, []check{says("has no source")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := framing.NewReader(tt.src, tt.maxLen)
			r.SetCodec(tt.codec)
			got, err := readAll(r, false)
			if len(got) != tt.before {
				t.Errorf("read %d messages before the error, want %d", len(got), tt.before)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, c := range tt.checks {
				c(t, err)
			}
			// The error is sticky: the stream cannot be resynchronized.
			if _, _, again := r.ReadMessage(nil); again != err {
				t.Errorf("second ReadMessage err = %v, want the same %v", again, err)
			}
		})
	}
}

// TestReaderLimitBeforeAllocation proves that a declared length over the limit
// is rejected after reading the prefix alone and without allocating the body:
// the source fails the test if asked for more, and the bytes allocated are a
// tiny fraction of the 4 GiB declared.
func TestReaderLimitBeforeAllocation(t *testing.T) {
	prefix := frameLen(0, math.MaxUint32, nil)
	r := framing.NewReader(nil, 4<<20)
	src := &onlyReader{t: t}
	r.Reset(src) // warm up: the read-ahead buffer is allocated once per Reader
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		src.data = prefix
		r.Reset(src)
		_, _, err = r.ReadMessage(nil)
	})
	var tooLarge *framing.TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Length != math.MaxUint32 {
		t.Fatalf("err = %v, want *TooLargeError for 4294967295 bytes", err)
	}
	if allocs > 1 {
		t.Errorf("%v allocations per rejected message, want at most 1 (the error)", allocs)
	}
	n := allocatedBytes(func() {
		src.data = prefix
		r.Reset(src)
		r.ReadMessage(nil)
	})
	if n > 4<<10 {
		t.Errorf("rejecting a message declared at 4 GiB allocated %d bytes, want under 4 KiB", n)
	}
}

// TestReaderAllocatesExactLength checks that a buffer too small is replaced by
// one of exactly the declared length, and a big enough one is reused.
func TestReaderAllocatesExactLength(t *testing.T) {
	stream := append(frame(0, payload(1000, 1)), frame(0, payload(10, 2))...)
	r := framing.NewReader(bytes.NewReader(stream), -1)
	small := make([]byte, 0, 999)
	msg, _, err := r.ReadMessage(small)
	if err != nil || len(msg) != 1000 || cap(msg) != 1000 {
		t.Fatalf("ReadMessage = len %d cap %d, %v; want a new buffer of exactly 1000", len(msg), cap(msg), err)
	}
	again, _, err := r.ReadMessage(msg)
	if err != nil || len(again) != 10 || &again[0] != &msg[0] {
		t.Fatalf("ReadMessage with a big enough buffer did not reuse it (err %v)", err)
	}
}

// TestReaderDecompressesIntoBuf checks that a compressed message lands in the
// caller's buffer when it has room.
func TestReaderDecompressesIntoBuf(t *testing.T) {
	want := payload(2000, 3)
	r := framing.NewReader(bytes.NewReader(frame(1, gzipStd(t, want))), -1)
	r.SetCodec(framing.Gzip)
	buf := make([]byte, 0, 4096)
	msg, compressed, err := r.ReadMessage(buf)
	if err != nil || !compressed || !bytes.Equal(msg, want) {
		t.Fatalf("ReadMessage = %d bytes, %v, %v", len(msg), compressed, err)
	}
	if &msg[:1][0] != &buf[:1][0] {
		t.Error("the decompressed message was not written into buf")
	}
}

func TestReaderResetAndSetters(t *testing.T) {
	r := framing.NewReader(bytes.NewReader(frame(7, nil)), -1)
	if _, _, err := r.ReadMessage(nil); !errors.Is(err, framing.ErrBadFlag) {
		t.Fatalf("err = %v, want ErrBadFlag", err)
	}
	// Reset clears the sticky error and any buffered bytes.
	r.Reset(bytes.NewReader(append(frame(0, []byte("0123456789")), frame(1, gzipStd(t, []byte("zipped")))...)))
	r.SetMaxLen(9)
	if _, _, err := r.ReadMessage(nil); !errors.As(err, new(*framing.TooLargeError)) {
		t.Fatalf("with SetMaxLen(9) err = %v, want *TooLargeError", err)
	}
	r.Reset(bytes.NewReader(append(frame(0, []byte("0123456789")), frame(1, gzipStd(t, []byte("zipped")))...)))
	r.SetMaxLen(10)
	if msg, _, err := r.ReadMessage(nil); err != nil || string(msg) != "0123456789" {
		t.Fatalf("with SetMaxLen(10): %q, %v", msg, err)
	}
	if _, _, err := r.ReadMessage(nil); !errors.Is(err, framing.ErrCompressedWithoutEncoding) {
		t.Fatalf("before SetCodec err = %v, want ErrCompressedWithoutEncoding", err)
	}
	r.Reset(bytes.NewReader(frame(1, gzipStd(t, []byte("zipped")))))
	r.SetMaxLen(-1)
	r.SetCodec(framing.Gzip)
	if msg, compressed, err := r.ReadMessage(nil); err != nil || !compressed || string(msg) != "zipped" {
		t.Fatalf("after SetCodec(Gzip): %q, %v, %v", msg, compressed, err)
	}
	r.Reset(bytes.NewReader(frame(1, gzipStd(t, []byte("zipped")))))
	r.SetCodec(nil)
	if _, _, err := r.ReadMessage(nil); !errors.Is(err, framing.ErrCompressedWithoutEncoding) {
		t.Fatalf("after SetCodec(nil) err = %v, want ErrCompressedWithoutEncoding", err)
	}
}

// limitlessCodec ignores the limit, as a careless third-party codec might.
type limitlessCodec struct{}

func (limitlessCodec) Name() string { return "x-limitless" }
func (limitlessCodec) AppendCompressed(dst, src []byte) ([]byte, error) {
	return append(dst, src...), nil
}
func (limitlessCodec) AppendDecompressed(dst, src []byte, limit int) ([]byte, error) {
	return append(dst, bytes.Repeat(src, 10)...), nil
}

// TestReaderEnforcesLimitOnCareless checks that the Reader applies the receive
// limit itself when a codec ignores it.
func TestReaderEnforcesLimitOnCareless(t *testing.T) {
	r := framing.NewReader(bytes.NewReader(frame(1, make([]byte, 10))), 50)
	r.SetCodec(limitlessCodec{})
	_, _, err := r.ReadMessage(nil)
	var e *framing.TooLargeError
	if !errors.As(err, &e) || !e.Decompressed || e.Limit != 50 || e.Length != 100 {
		t.Fatalf("err = %#v, want *TooLargeError{Length: 100, Limit: 50, Decompressed: true}", err)
	}
}

// failingCodec fails to decompress with a plain error.
type failingCodec struct{ err error }

func (failingCodec) Name() string { return "x-failing" }
func (c failingCodec) AppendCompressed(dst, src []byte) ([]byte, error) {
	return dst, c.err
}
func (c failingCodec) AppendDecompressed(dst, src []byte, limit int) ([]byte, error) {
	return dst, c.err
}

func TestReaderWrapsCodecErrors(t *testing.T) {
	cause := errors.New("bad block")
	r := framing.NewReader(bytes.NewReader(frame(1, []byte("x"))), -1)
	r.SetCodec(failingCodec{cause})
	_, _, err := r.ReadMessage(nil)
	var e *framing.DecompressError
	if !errors.As(err, &e) || e.Codec != "x-failing" || !errors.Is(err, cause) || !errors.Is(err, framing.ErrDecompress) {
		t.Fatalf("err = %v, want *DecompressError{Codec: x-failing} wrapping the cause", err)
	}
	// A codec that reports its limit with the wrong kind still yields a
	// decompressed-size TooLargeError.
	r = framing.NewReader(bytes.NewReader(frame(1, []byte("x"))), 5)
	r.SetCodec(failingCodec{&framing.TooLargeError{Length: 6, Limit: 5}})
	_, _, err = r.ReadMessage(nil)
	var tl *framing.TooLargeError
	if !errors.As(err, &tl) || !tl.Decompressed || tl.Send {
		t.Fatalf("err = %#v, want a decompressed-size *TooLargeError", err)
	}
}

// TestReaderGzipBomb reads a message whose 512 MiB of zeros compress to about
// half a MiB, under a 1 MiB limit: it must fail fast, with bounded memory.
func TestReaderGzipBomb(t *testing.T) {
	const limit = 1 << 20
	b := bomb(t, 512)
	if len(b) > limit {
		t.Fatalf("bomb is %d bytes compressed, want it under the %d-byte limit so that decompression runs", len(b), limit)
	}
	stream := frame(1, b)
	var err error
	n := allocatedBytes(func() {
		r := framing.NewReader(bytes.NewReader(stream), limit)
		r.SetCodec(framing.Gzip)
		_, _, err = r.ReadMessage(nil)
	})
	var e *framing.TooLargeError
	if !errors.As(err, &e) || !e.Decompressed || e.Limit != limit {
		t.Fatalf("err = %v, want *TooLargeError{Decompressed: true, Limit: %d}", err, limit)
	}
	// The compressed body (half a MiB) plus one buffer of limit+1 bytes.
	if n > 2*limit {
		t.Errorf("reading the bomb allocated %d bytes, want under %d", n, 2*limit)
	}
	t.Logf("512 MiB bomb (%d bytes compressed) rejected after allocating %d bytes", len(b), n)
}

// TestReaderConcurrentStreams runs several Readers at once, sharing the
// codec and the pools, for the race detector.
func TestReaderConcurrentStreams(t *testing.T) {
	stream, want := testStream(t)
	done := make(chan error)
	for i := range 4 {
		go func() {
			r := framing.NewReader(&chunkReader{data: stream, next: randomChunks(uint64(i))}, -1)
			r.SetCodec(framing.Gzip)
			got, err := readAll(r, i%2 == 0)
			if err != io.EOF || len(got) != len(want) {
				done <- fmt.Errorf("reader %d: %d messages, %v", i, len(got), err)
				return
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
