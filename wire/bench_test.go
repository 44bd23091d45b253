package wire_test

import (
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"

	"grpcwire/wire"
)

// Benchmarks of the header work of every call: metadata to header fields
// and back, grpc-timeout and grpc-message. A call with no metadata skips
// most of it; benchMetadata is a typical traced, authenticated call.
//
//	go test -run '^$' -bench . -benchmem ./wire

// benchMetadata is the metadata of a typical call: a bearer token, a trace
// context, a request id and one binary value.
var benchMetadata = wire.NewMetadata(
	"authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl",
	"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	"x-request-id", "7f6b2c1e-3d4a-4b5c-8d9e-0f1a2b3c4d5e",
	"x-trace-bin", "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
)

// BenchmarkAppendHeaderFields turns the metadata into header fields in a
// reused slice, as a call's HEADERS are built.
func BenchmarkAppendHeaderFields(b *testing.B) {
	for _, bc := range []struct {
		name string
		md   wire.Metadata
	}{{"none", nil}, {"typical", benchMetadata}} {
		b.Run(bc.name, func(b *testing.B) {
			dst := make([]hpack.HeaderField, 0, 16)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = wire.AppendHeaderFields(dst[:0], bc.md); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAddHeaderField decodes the header fields of a request carrying
// the typical metadata, as a server does for every call.
func BenchmarkAddHeaderField(b *testing.B) {
	fields, err := wire.AppendHeaderFields(nil, benchMetadata)
	if err != nil {
		b.Fatal(err)
	}
	fields = append(fields, hpack.HeaderField{Name: "user-agent", Value: "grpc-go/1.85.0"})
	b.ReportAllocs()
	for b.Loop() {
		md := make(wire.Metadata, len(fields))
		for _, f := range fields {
			if err := md.AddHeaderField(f.Name, f.Value); err != nil {
				b.Fatal(err)
			}
		}
		if len(md) != len(fields) {
			b.Fatalf("%d keys from %d fields", len(md), len(fields))
		}
	}
}

// BenchmarkTimeout encodes and parses a grpc-timeout, done for every call
// with a deadline on each side.
func BenchmarkTimeout(b *testing.B) {
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = wire.EncodeTimeout(1234567 * time.Microsecond)
		}
	})
	b.Run("parse", func(b *testing.B) {
		s := wire.EncodeTimeout(1234567 * time.Microsecond)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := wire.ParseTimeout(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMessage percent-encodes and decodes a grpc-message: plain ASCII
// takes the fast path, non-ASCII text the slow one.
func BenchmarkMessage(b *testing.B) {
	for _, bc := range []struct{ name, msg string }{
		{"ascii", "the user was not found"},
		{"utf8", "überschritten: 50 % der Quote — bitte später erneut"},
	} {
		enc := wire.EncodeMessage(bc.msg)
		b.Run("encode/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = wire.EncodeMessage(bc.msg)
			}
		})
		b.Run("decode/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if wire.DecodeMessage(enc) != bc.msg {
					b.Fatal("round trip changed the message")
				}
			}
		})
	}
}
