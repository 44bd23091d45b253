package framing_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"grpcwire/framing"
)

func TestPrefixEncodeParse(t *testing.T) {
	tests := []struct {
		name       string
		prefix     framing.Prefix
		wire       []byte
		valid      bool
		compressed bool
	}{
		{"empty uncompressed", framing.Prefix{Flag: 0, Length: 0}, []byte{0, 0, 0, 0, 0}, true, false},
		{"empty compressed", framing.Prefix{Flag: 1, Length: 0}, []byte{1, 0, 0, 0, 0}, true, true},
		{"one byte", framing.Prefix{Flag: 0, Length: 1}, []byte{0, 0, 0, 0, 1}, true, false},
		{"big-endian order", framing.Prefix{Flag: 0, Length: 0x01020304}, []byte{0, 1, 2, 3, 4}, true, false},
		{"default receive limit 4 MiB", framing.Prefix{Flag: 1, Length: 4 << 20}, []byte{1, 0, 0x40, 0, 0}, true, true},
		{"largest length", framing.Prefix{Flag: 1, Length: framing.MaxMessageLen}, []byte{1, 0xff, 0xff, 0xff, 0xff}, true, true},
		{"flag 2 is kept but invalid", framing.Prefix{Flag: 2, Length: 7}, []byte{2, 0, 0, 0, 7}, false, false},
		{"flag 255 is kept but invalid", framing.Prefix{Flag: 0xff, Length: 0}, []byte{0xff, 0, 0, 0, 0}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.prefix.Append([]byte("x")); !bytes.Equal(got, append([]byte("x"), tt.wire...)) {
				t.Errorf("Append = %x, want 78%x", got, tt.wire)
			}
			put := bytes.Repeat([]byte{0xaa}, framing.PrefixLen+1)
			tt.prefix.Put(put)
			if !bytes.Equal(put[:framing.PrefixLen], tt.wire) || put[framing.PrefixLen] != 0xaa {
				t.Errorf("Put wrote %x, want %x followed by the untouched aa", put, tt.wire)
			}
			got, err := framing.ParsePrefix(append(bytes.Clone(tt.wire), "trailing body"...))
			if err != nil {
				t.Fatalf("ParsePrefix(%x): %v", tt.wire, err)
			}
			if got != tt.prefix {
				t.Errorf("ParsePrefix(%x) = %+v, want %+v", tt.wire, got, tt.prefix)
			}
			if got.Valid() != tt.valid || got.Compressed() != tt.compressed {
				t.Errorf("Valid, Compressed = %v, %v; want %v, %v", got.Valid(), got.Compressed(), tt.valid, tt.compressed)
			}
		})
	}
}

func TestParsePrefixShort(t *testing.T) {
	for n := range framing.PrefixLen {
		_, err := framing.ParsePrefix(make([]byte, n))
		if !errors.Is(err, framing.ErrTruncated) {
			t.Errorf("ParsePrefix of %d bytes: err = %v, want ErrTruncated", n, err)
		}
		if want := fmt.Sprintf("after %d of 5 prefix bytes", n); err == nil || !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("ParsePrefix of %d bytes: err = %v, want it to say %q", n, err, want)
		}
	}
}

// TestPrefixEveryFlag walks all 256 flag values: exactly 0 and 1 are valid.
func TestPrefixEveryFlag(t *testing.T) {
	for f := range 256 {
		p := framing.Prefix{Flag: byte(f)}
		if want := f == 0 || f == 1; p.Valid() != want {
			t.Errorf("Prefix{Flag: %d}.Valid() = %v, want %v", f, p.Valid(), want)
		}
		if want := f == 1; p.Compressed() != want {
			t.Errorf("Prefix{Flag: %d}.Compressed() = %v, want %v", f, p.Compressed(), want)
		}
	}
}

// TestSpecExample frames a real protobuf message: field 1 (varint) = 150 is
// the three bytes 08 96 01, so its Length-Prefixed-Message is 00 00000003
// followed by them.
func TestSpecExample(t *testing.T) {
	msg := []byte{0x08, 0x96, 0x01}
	want := []byte{0x00, 0x00, 0x00, 0x00, 0x03, 0x08, 0x96, 0x01}
	got, err := framing.AppendMessage(nil, msg, nil, -1)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("AppendMessage = %x, %v; want %x", got, err, want)
	}
	r := framing.NewReader(bytes.NewReader(want), 4<<20)
	m, compressed, err := r.ReadMessage(nil)
	if err != nil || compressed || !bytes.Equal(m, msg) {
		t.Fatalf("ReadMessage = %x, %v, %v; want %x, false, nil", m, compressed, err, msg)
	}
}

func TestConstants(t *testing.T) {
	if framing.PrefixLen != 1+4 {
		t.Errorf("PrefixLen = %d, want 1 flag byte + 4 length bytes", framing.PrefixLen)
	}
	if framing.MaxMessageLen != 1<<32-1 {
		t.Errorf("MaxMessageLen = %d, want the largest 4-byte unsigned integer", uint64(framing.MaxMessageLen))
	}
	if framing.FlagUncompressed != 0 || framing.FlagCompressed != 1 {
		t.Errorf("flags = %d, %d; want 0, 1", framing.FlagUncompressed, framing.FlagCompressed)
	}
}
