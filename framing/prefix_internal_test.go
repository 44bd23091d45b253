package framing

import (
	"bytes"
	"errors"
	"testing"
)

// TestCompressedFlagsTable walks every row of the spec's Compressed-Flag table
// and checks that the Prefix methods and the Reader agree with it.
func TestCompressedFlagsTable(t *testing.T) {
	if len(compressedFlags) != 2 {
		t.Fatalf("the spec allows exactly two flags, the table has %d rows", len(compressedFlags))
	}
	for _, row := range compressedFlags {
		p := Prefix{Flag: row.flag}
		if !p.Valid() {
			t.Errorf("flag %d: Valid() = false", row.flag)
		}
		if p.Compressed() != row.compressed {
			t.Errorf("flag %d: Compressed() = %v, want %v", row.flag, p.Compressed(), row.compressed)
		}
		stream := Prefix{Flag: row.flag, Length: 0}.Append(nil)

		// Without an encoding.
		r := NewReader(bytes.NewReader(stream), -1)
		_, compressed, err := r.ReadMessage(nil)
		if row.needEncoding {
			if !errors.Is(err, ErrCompressedWithoutEncoding) {
				t.Errorf("flag %d without encoding: err = %v, want ErrCompressedWithoutEncoding", row.flag, err)
			}
		} else if err != nil || compressed {
			t.Errorf("flag %d without encoding: compressed, err = %v, %v; want false, nil", row.flag, compressed, err)
		}

		// With gzip as the stream's encoding every row is readable.
		r = NewReader(bytes.NewReader(stream), -1)
		r.SetCodec(Gzip)
		_, compressed, err = r.ReadMessage(nil)
		if err != nil || compressed != row.compressed {
			t.Errorf("flag %d with gzip: compressed, err = %v, %v; want %v, nil", row.flag, compressed, err, row.compressed)
		}
	}
}
