package framing_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"grpcwire/framing"
)

// xorCodec is a toy "compression" that flips every byte, to prove that any
// registered codec works end to end and that the flag follows the codec.
type xorCodec struct{ name string }

func (c xorCodec) Name() string { return c.name }
func (xorCodec) AppendCompressed(dst, src []byte) ([]byte, error) {
	for _, b := range src {
		dst = append(dst, b^0xff)
	}
	return dst, nil
}
func (xorCodec) AppendDecompressed(dst, src []byte, limit int) ([]byte, error) {
	if limit >= 0 && len(src) > limit {
		return dst, &framing.TooLargeError{Length: int64(len(src)), Limit: limit, Decompressed: true}
	}
	for _, b := range src {
		dst = append(dst, b^0xff)
	}
	return dst, nil
}

// namedIdentity is a codec that calls itself "identity" without being
// framing.Identity.
type namedIdentity struct{ xorCodec }

func (namedIdentity) Name() string { return "identity" }

func TestAppendMessage(t *testing.T) {
	msg := []byte("hello, gRPC")
	tests := []struct {
		name  string
		codec framing.Codec
		want  []byte // the exact frame, or nil when it depends on the codec
		flag  byte
	}{
		{"nil codec", nil, frame(0, msg), 0},
		{"Identity", framing.Identity, frame(0, msg), 0},
		{"a codec named identity sends raw bytes", namedIdentity{}, frame(0, msg), 0},
		{"toy codec", xorCodec{"x-xor"}, frame(1, xorBytes(msg)), 1},
		{"Gzip", framing.Gzip, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("previous frames")
			out, err := framing.AppendMessage(dst, msg, tt.codec, -1)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, []byte("previous frames")) {
				t.Fatalf("dst's bytes were not kept: %q", out)
			}
			got := out[len(dst):]
			if tt.want != nil && !bytes.Equal(got, tt.want) {
				t.Fatalf("frame = %x, want %x", got, tt.want)
			}
			p, err := framing.ParsePrefix(got)
			if err != nil || p.Flag != tt.flag || int(p.Length) != len(got)-framing.PrefixLen {
				t.Fatalf("prefix %+v (%v) for %d body bytes, want flag %d", p, err, len(got)-framing.PrefixLen, tt.flag)
			}
			if tt.codec == framing.Gzip {
				if body := gunzipStd(t, got[framing.PrefixLen:]); !bytes.Equal(body, msg) {
					t.Fatalf("gzip body decompresses to %q", body)
				}
			}
		})
	}
}

func xorBytes(b []byte) []byte {
	out, _ := xorCodec{}.AppendCompressed(nil, b)
	return out
}

func TestAppendMessageSendLimit(t *testing.T) {
	for _, codec := range []framing.Codec{nil, framing.Gzip} {
		name := "identity"
		if codec != nil {
			name = codec.Name()
		}
		t.Run(name, func(t *testing.T) {
			dst := []byte("kept")
			out, err := framing.AppendMessage(dst, make([]byte, 10), codec, 9)
			var e *framing.TooLargeError
			if !errors.As(err, &e) || *e != (framing.TooLargeError{Length: 10, Limit: 9, Send: true}) {
				t.Fatalf("err = %#v, want send TooLargeError{10, 9}", err)
			}
			if want := "grpcwire: message of 10 bytes exceeds the max send size of 9 bytes"; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			if string(out) != "kept" {
				t.Errorf("on error dst = %q, want it unchanged", out)
			}
			if _, err := framing.AppendMessage(nil, make([]byte, 9), codec, 9); err != nil {
				t.Errorf("a message exactly at the limit: %v", err)
			}
			if _, err := framing.AppendMessage(nil, nil, codec, 0); err != nil {
				t.Errorf("an empty message under limit 0: %v", err)
			}
		})
	}
}

func TestAppendMessageGrowsOnce(t *testing.T) {
	msg := payload(10000, 1)
	dst := make([]byte, 3, 8)
	allocs := testing.AllocsPerRun(50, func() {
		framing.AppendMessage(dst, msg, nil, -1)
	})
	if allocs != 1 {
		t.Errorf("AppendMessage into a small dst made %v allocations, want exactly 1", allocs)
	}
}

func TestAppendMessageCodecError(t *testing.T) {
	cause := errors.New("out of tokens")
	out, err := framing.AppendMessage([]byte("kept"), []byte("msg"), failingCodec{cause}, -1)
	if !errors.Is(err, cause) || string(out) != "kept" {
		t.Fatalf("AppendMessage = %q, %v; want dst unchanged and the codec's error", out, err)
	}
	buf := framing.BeginMessage([]byte("kept"))
	buf = append(buf, "msg"...)
	out, err = framing.FinishMessage(buf, 4, failingCodec{cause}, -1)
	if !errors.Is(err, cause) || string(out) != "kept" {
		t.Fatalf("FinishMessage = %q, %v; want buf cut back to start and the codec's error", out, err)
	}
}

func TestBeginFinishMessage(t *testing.T) {
	msgs := [][]byte{[]byte("first"), {}, payload(3000, 2), []byte("last")}
	for _, codec := range []framing.Codec{nil, framing.Identity, framing.Gzip, xorCodec{"x-xor"}} {
		name := "nil"
		if codec != nil {
			name = codec.Name()
		}
		t.Run(name, func(t *testing.T) {
			buf := []byte(nil)
			for _, m := range msgs {
				start := len(buf)
				buf = framing.BeginMessage(buf)
				if len(buf) != start+framing.PrefixLen {
					t.Fatalf("BeginMessage appended %d bytes, want %d", len(buf)-start, framing.PrefixLen)
				}
				buf = append(buf, m...) // what a marshaller would do
				before := &buf[0]
				var err error
				buf, err = framing.FinishMessage(buf, start, codec, -1)
				if err != nil {
					t.Fatal(err)
				}
				if (codec == nil || codec == framing.Identity) && &buf[0] != before {
					t.Error("FinishMessage with identity moved the buffer; it must fill the prefix in place")
				}
			}
			// The frames read back as the messages.
			r := framing.NewReader(bytes.NewReader(buf), -1)
			r.SetCodec(codec)
			got, err := readAll(r, false)
			if err != io.EOF || len(got) != len(msgs) {
				t.Fatalf("read back %d messages, %v", len(got), err)
			}
			for i := range msgs {
				if !bytes.Equal(got[i].msg, msgs[i]) {
					t.Errorf("message %d differs", i)
				}
			}
		})
	}
}

func TestFinishMessageIdentityBytes(t *testing.T) {
	buf := framing.BeginMessage([]byte{0xee})
	buf = append(buf, 0x08, 0x96, 0x01)
	buf, err := framing.FinishMessage(buf, 1, nil, -1)
	if want := []byte{0xee, 0, 0, 0, 0, 3, 0x08, 0x96, 0x01}; err != nil || !bytes.Equal(buf, want) {
		t.Fatalf("FinishMessage = %x, %v; want %x", buf, err, want)
	}
}

func TestFinishMessageErrors(t *testing.T) {
	buf := framing.BeginMessage([]byte("ab"))
	buf = append(buf, make([]byte, 10)...)
	for _, start := range []int{-1, len(buf) - framing.PrefixLen + 1, len(buf), 1 << 40} {
		out, err := framing.FinishMessage(buf, start, nil, -1)
		if err == nil || !bytes.Equal(out, buf) {
			t.Errorf("FinishMessage(start %d) = %v; want an error and buf untouched", start, err)
		}
	}
	out, err := framing.FinishMessage(buf, 2, framing.Gzip, 9)
	var e *framing.TooLargeError
	if !errors.As(err, &e) || *e != (framing.TooLargeError{Length: 10, Limit: 9, Send: true}) || string(out) != "ab" {
		t.Fatalf("FinishMessage over the send limit = %q, %#v", out, err)
	}
}
