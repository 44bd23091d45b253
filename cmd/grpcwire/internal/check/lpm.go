package check

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// lpm is one Length-Prefixed-Message of a response: "Length-Prefixed-Message
// → Compressed-Flag Message-Length Message".
type lpm struct {
	Flag    byte
	Message []byte
}

// maxInflated bounds a decompressed response message: the checks ask for
// at most a few MiB, and a server's gzip bomb must not grow the command.
const maxInflated = 16 << 20

// parseMessages splits the DATA of a response into its
// Length-Prefixed-Messages. It is strict: a Compressed-Flag other than 0
// or 1 ("Compressed-Flag → 0 / 1") and a stream that ends inside a message
// are errors. The messages returned share data.
func parseMessages(data []byte) ([]lpm, error) {
	var msgs []lpm
	for len(data) > 0 {
		if len(data) < 5 {
			return msgs, fmt.Errorf("the DATA ends inside a message prefix (%d of 5 bytes)", len(data))
		}
		flag := data[0]
		n := binary.BigEndian.Uint32(data[1:5])
		if flag > 1 {
			return msgs, fmt.Errorf("message %d has Compressed-Flag %d (the spec allows 0 and 1)", len(msgs)+1, flag)
		}
		if uint64(n) > uint64(len(data)-5) {
			return msgs, fmt.Errorf("message %d announces %d bytes but the stream ended after %d", len(msgs)+1, n, len(data)-5)
		}
		msgs = append(msgs, lpm{Flag: flag, Message: data[5 : 5+int(n)]})
		data = data[5+int(n):]
	}
	return msgs, nil
}

// errTooLarge is a decompressed message over maxInflated.
var errTooLarge = errors.New("the message decompresses to more than 16 MiB")

// gunzip decompresses a gzip message within maxInflated.
func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxInflated {
		return nil, errTooLarge
	}
	return out, nil
}

// gzipBytes compresses b, for the requests the compression checks send.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
