package framing_test

import (
	"errors"
	"io"
	"testing"

	"grpcwire/framing"
)

func TestTooLargeErrorMessages(t *testing.T) {
	tests := []struct {
		err  framing.TooLargeError
		want string
	}{
		{framing.TooLargeError{Length: 5000000, Limit: 4194304},
			"grpcwire: received message of 5000000 bytes exceeds the max receive size of 4194304 bytes"},
		{framing.TooLargeError{Length: 4194305, Limit: 4194304, Decompressed: true},
			"grpcwire: decompressed message exceeds the max receive size of 4194304 bytes"},
		{framing.TooLargeError{Length: 10, Limit: 9, Send: true},
			"grpcwire: message of 10 bytes exceeds the max send size of 9 bytes"},
		{framing.TooLargeError{Length: 4294967295, Limit: 0},
			"grpcwire: received message of 4294967295 bytes exceeds the max receive size of 0 bytes"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

// TestErrorKindsAreDistinct checks that each kind of error is matched by its
// own test and by no other, since the layer above maps them to different
// status codes.
func TestErrorKindsAreDistinct(t *testing.T) {
	errs := map[string]error{
		"truncated":        errors.Join(framing.ErrTruncated), // stand-in for a wrapped ErrTruncated
		"too large":        &framing.TooLargeError{Length: 2, Limit: 1},
		"without encoding": framing.ErrCompressedWithoutEncoding,
		"bad flag":         &framing.FlagError{Flag: 2},
		"decompress":       &framing.DecompressError{Codec: "gzip", Err: io.ErrUnexpectedEOF},
		"eof":              io.EOF,
	}
	matchers := map[string]func(error) bool{
		"truncated":        func(err error) bool { return errors.Is(err, framing.ErrTruncated) },
		"too large":        func(err error) bool { var e *framing.TooLargeError; return errors.As(err, &e) },
		"without encoding": func(err error) bool { return errors.Is(err, framing.ErrCompressedWithoutEncoding) },
		"bad flag":         func(err error) bool { return errors.Is(err, framing.ErrBadFlag) },
		"decompress":       func(err error) bool { return errors.Is(err, framing.ErrDecompress) },
		"eof":              func(err error) bool { return err == io.EOF },
	}
	for name, err := range errs {
		for mname, match := range matchers {
			if got, want := match(err), name == mname; got != want {
				t.Errorf("%s error matched as %s = %v, want %v", name, mname, got, want)
			}
		}
	}
}

func TestFlagErrorAs(t *testing.T) {
	var err error = &framing.FlagError{Flag: 0x80}
	var fe *framing.FlagError
	if !errors.As(err, &fe) || fe.Flag != 0x80 {
		t.Fatalf("errors.As(FlagError) = %v, %+v", errors.As(err, &fe), fe)
	}
	if want := "grpcwire: invalid compressed flag 128 in a message prefix (the spec allows only 0 and 1); the stream is not gRPC framing or is out of step"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestDecompressErrorUnwrap(t *testing.T) {
	cause := errors.New("checksum mismatch")
	var err error = &framing.DecompressError{Codec: "gzip", Err: cause}
	if !errors.Is(err, cause) || !errors.Is(err, framing.ErrDecompress) {
		t.Errorf("errors.Is(cause), errors.Is(ErrDecompress) = %v, %v; want true, true", errors.Is(err, cause), errors.Is(err, framing.ErrDecompress))
	}
	if want := `grpcwire: cannot decompress a "gzip" message: checksum mismatch`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}
