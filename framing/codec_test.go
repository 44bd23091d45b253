package framing_test

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"

	"grpcwire/framing"
)

func TestLookupBuiltins(t *testing.T) {
	tests := []struct {
		name string
		want framing.Codec
	}{
		{"identity", framing.Identity},
		{"gzip", framing.Gzip},
		{"GZIP", nil}, // tokens match exactly
		{"deflate", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := framing.Lookup(tt.name); got != tt.want {
			t.Errorf("Lookup(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if framing.Identity.Name() != "identity" || framing.Gzip.Name() != "gzip" {
		t.Errorf("names = %q, %q", framing.Identity.Name(), framing.Gzip.Name())
	}
}

func TestNames(t *testing.T) {
	names := framing.Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %q, want sorted", names)
	}
	for _, want := range []string{"gzip", "identity"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %q, missing %q", names, want)
		}
	}
	names[0] = "clobbered"
	if framing.Names()[0] == "clobbered" {
		t.Error("Names() returned the registry's own slice")
	}
}

func TestRegisterCustomCodec(t *testing.T) {
	framing.Register(xorCodec{"x-test-xor"})
	c := framing.Lookup("x-test-xor")
	if c == nil {
		t.Fatal("Lookup after Register = nil")
	}
	if !slices.Contains(framing.Names(), "x-test-xor") || !slices.IsSorted(framing.Names()) {
		t.Errorf("Names() = %q, want it to list x-test-xor, sorted", framing.Names())
	}
	// End to end through the writer and the reader, as server and client
	// would use it after reading grpc-encoding.
	frames, err := framing.AppendMessage(nil, []byte("secret"), c, -1)
	if err != nil {
		t.Fatal(err)
	}
	if frames[0] != framing.FlagCompressed || bytes.Contains(frames, []byte("secret")) {
		t.Fatalf("frame %x: want flag 1 and the bytes transformed", frames)
	}
	r := framing.NewReader(bytes.NewReader(frames), -1)
	r.SetCodec(framing.Lookup("x-test-xor"))
	msg, compressed, err := r.ReadMessage(nil)
	if err != nil || !compressed || string(msg) != "secret" {
		t.Fatalf("ReadMessage = %q, %v, %v", msg, compressed, err)
	}

	// Register replaces.
	replacement := xorCodec{"x-test-xor"}
	framing.Register(namedXor{replacement})
	if _, ok := framing.Lookup("x-test-xor").(namedXor); !ok {
		t.Errorf("Lookup after a second Register = %T, want the replacement", framing.Lookup("x-test-xor"))
	}
	if n := countOf(framing.Names(), "x-test-xor"); n != 1 {
		t.Errorf("Names() lists x-test-xor %d times, want once", n)
	}
}

type namedXor struct{ xorCodec }

func countOf(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func TestRegisterPanics(t *testing.T) {
	tests := []struct {
		name  string
		codec framing.Codec
	}{
		{"nil", nil},
		{"empty name", xorCodec{""}},
		{"identity", namedIdentity{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			framing.Register(tt.codec)
		})
	}
	if framing.Lookup("identity") != framing.Identity {
		t.Error("identity was replaced")
	}
}

func TestRegistryConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 100 {
				if i == 0 && j%10 == 0 {
					framing.Register(xorCodec{"x-test-concurrent"})
				}
				if framing.Lookup("gzip") != framing.Gzip {
					t.Error("Lookup(gzip) changed")
					return
				}
				_ = framing.Names()
			}
		})
	}
	wg.Wait()
}

func TestIdentityCodec(t *testing.T) {
	out, err := framing.Identity.AppendCompressed([]byte("a"), []byte("bc"))
	if err != nil || string(out) != "abc" {
		t.Fatalf("AppendCompressed = %q, %v", out, err)
	}
	out, err = framing.Identity.AppendDecompressed([]byte("a"), []byte("bc"), 2)
	if err != nil || string(out) != "abc" {
		t.Fatalf("AppendDecompressed at the limit = %q, %v", out, err)
	}
	out, err = framing.Identity.AppendDecompressed([]byte("a"), []byte("bcd"), 2)
	var e *framing.TooLargeError
	if !errors.As(err, &e) || !e.Decompressed || e.Limit != 2 || string(out) != "a" {
		t.Fatalf("AppendDecompressed over the limit = %q, %#v", out, err)
	}
	if _, err := framing.Identity.AppendDecompressed(nil, make([]byte, 1000), -1); err != nil {
		t.Fatalf("no limit: %v", err)
	}
}
