package framing_test

import (
	"bytes"
	"io"
	"testing"

	"grpcwire/framing"
)

var benchSizes = []struct {
	name string
	n    int
}{
	{"100B", 100},
	{"16KiB", 16 << 10},
	{"1MiB", 1 << 20},
}

var benchCodecs = []struct {
	name  string
	codec framing.Codec
}{
	{"identity", nil},
	{"gzip", framing.Gzip},
}

// BenchmarkAppendMessage frames one message into a reused buffer, the way a
// connection writer does; SetBytes counts message bytes.
func BenchmarkAppendMessage(b *testing.B) {
	for _, c := range benchCodecs {
		for _, s := range benchSizes {
			b.Run(c.name+"/"+s.name, func(b *testing.B) {
				msg := payload(s.n, 1)
				dst, err := framing.AppendMessage(nil, msg, c.codec, -1)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(s.n))
				b.ReportAllocs()
				for b.Loop() {
					dst, _ = framing.AppendMessage(dst[:0], msg, c.codec, -1)
				}
			})
		}
	}
}

// BenchmarkFinishMessage marshals in place: BeginMessage, append the message
// bytes as a marshaller would, FinishMessage.
func BenchmarkFinishMessage(b *testing.B) {
	for _, c := range benchCodecs {
		for _, s := range benchSizes {
			b.Run(c.name+"/"+s.name, func(b *testing.B) {
				msg := payload(s.n, 1)
				buf := make([]byte, 0, framing.PrefixLen+2*s.n+64)
				b.SetBytes(int64(s.n))
				b.ReportAllocs()
				for b.Loop() {
					buf = framing.BeginMessage(buf[:0])
					buf = append(buf, msg...)
					buf, _ = framing.FinishMessage(buf, 0, c.codec, -1)
				}
			})
		}
	}
}

// BenchmarkReadMessage reads one message per iteration from a stream of 16
// back-to-back messages, reusing the message buffer, as a stream reader does.
func BenchmarkReadMessage(b *testing.B) {
	for _, c := range benchCodecs {
		for _, s := range benchSizes {
			b.Run(c.name+"/"+s.name, func(b *testing.B) {
				const perStream = 16
				one, err := framing.AppendMessage(nil, payload(s.n, 1), c.codec, -1)
				if err != nil {
					b.Fatal(err)
				}
				stream := bytes.Repeat(one, perStream)
				src := bytes.NewReader(stream)
				r := framing.NewReader(src, -1)
				r.SetCodec(c.codec)
				buf := make([]byte, 0, s.n)
				b.SetBytes(int64(s.n))
				b.ReportAllocs()
				for b.Loop() {
					msg, _, err := r.ReadMessage(buf)
					if err == io.EOF {
						src.Reset(stream)
						r.Reset(src)
						msg, _, err = r.ReadMessage(buf)
					}
					if err != nil || len(msg) != s.n {
						b.Fatalf("ReadMessage: %d bytes, %v", len(msg), err)
					}
					buf = msg
				}
			})
		}
	}
}
