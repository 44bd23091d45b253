package framing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"grpcwire/framing"
)

// Frame two messages into one buffer, as a connection writer batching DATA
// payloads would, and show the bytes of the first.
func ExampleAppendMessage() {
	var out []byte
	out, _ = framing.AppendMessage(out, []byte{0x08, 0x96, 0x01}, nil, 4<<20)
	out, _ = framing.AppendMessage(out, []byte("hi"), nil, 4<<20)
	fmt.Printf("% x\n", out[:8])
	fmt.Println(len(out), "bytes in all")
	// Output:
	// 00 00 00 00 03 08 96 01
	// 15 bytes in all
}

// Marshal straight into the frame buffer: reserve the prefix, append the
// message (proto.MarshalOptions{}.MarshalAppend would go here), fill the
// prefix in.
func ExampleFinishMessage() {
	buf := framing.BeginMessage(nil)
	buf = append(buf, "marshalled message"...)
	buf, err := framing.FinishMessage(buf, 0, nil, 4<<20)
	fmt.Printf("% x | %s %v\n", buf[:framing.PrefixLen], buf[framing.PrefixLen:], err)
	// Output:
	// 00 00 00 00 12 | marshalled message <nil>
}

// Read messages until the stream ends, whatever the read boundaries.
func ExampleReader_ReadMessage() {
	var stream []byte
	stream, _ = framing.AppendMessage(stream, []byte("first"), nil, -1)
	stream, _ = framing.AppendMessage(stream, []byte("second, gzipped"), framing.Gzip, -1)

	r := framing.NewReader(bytes.NewReader(stream), 4<<20)
	r.SetCodec(framing.Lookup("gzip")) // from the stream's grpc-encoding header
	var buf []byte
	for {
		msg, compressed, err := r.ReadMessage(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%q compressed=%v\n", msg, compressed)
		buf = msg // reuse the buffer for the next message
	}
	// Output:
	// "first" compressed=false
	// "second, gzipped" compressed=true
}

// A declared length over the limit is refused before the body is read or
// allocated; the error names the size and the limit.
func ExampleTooLargeError() {
	stream := []byte{0, 0x00, 0x4c, 0x4b, 0x40} // flag 0, length 5000000
	r := framing.NewReader(bytes.NewReader(stream), 4<<20)
	_, _, err := r.ReadMessage(nil)
	var tooLarge *framing.TooLargeError
	fmt.Println(errors.As(err, &tooLarge), tooLarge.Length)
	fmt.Println(err)
	// Output:
	// true 5000000
	// grpcwire: received message of 5000000 bytes exceeds the max receive size of 4194304 bytes
}

// The grpc-accept-encoding header lists every registered codec.
func ExampleNames() {
	for _, name := range framing.Names() {
		if name == "gzip" || name == "identity" {
			fmt.Println(name)
		}
	}
	// Output:
	// gzip
	// identity
}
