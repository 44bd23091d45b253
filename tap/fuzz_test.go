package tap_test

import (
	"bytes"
	"grpcwire/internal/testkit/golden"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// FuzzFollower feeds a follower arbitrary bytes from both sides, the
// client's after its connection preface (so that the fuzzer reaches the
// frames), once whole and once cut every step bytes. Whatever the bytes, it
// must not panic, and it must tell the same frames, problems and notes
// however the bytes were cut: a forwarder hands it whatever each read
// returned.
func FuzzFollower(f *testing.F) {
	client, server := conversation()
	f.Add(client[len(http2.ClientPreface):], server, uint8(1))
	f.Add(client[len(http2.ClientPreface):len(client)/2], server[:len(server)/3], uint8(5))
	f.Add([]byte("\x00\x00\x03\x01\x05\x00\x00\x00\x01\x82\xff\x7f"), []byte("HTTP/1.1 200 OK\r\n"), uint8(2))
	f.Add([]byte("\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x05\x01\x00\x00\x00\x00\x01\x3f\xe1\x1f\x82"), []byte{}, uint8(3))
	f.Fuzz(func(t *testing.T, fromClient, fromServer []byte, step uint8) {
		fromClient = append([]byte(http2.ClientPreface), fromClient...)
		whole := follow(fromClient, fromServer, 0)
		cut := follow(fromClient, fromServer, int(step)+1)
		if whole != cut {
			t.Fatalf("cut every %d bytes, the follower tells something else:\n%s", int(step)+1, golden.FirstDiff(cut, whole))
		}
	})
}

// FuzzFollowerHeaders encodes arbitrary header fields with x/net's HPACK
// encoder, across blocks, with the table size the fuzzer picks announced by
// the receiving side and used by the encoder, cut into HEADERS and
// CONTINUATION frames: the follower must decode exactly the fields that
// were encoded, block after block, as the real receiver would.
func FuzzFollowerHeaders(f *testing.F) {
	f.Add("content-type\x00application/grpc\x00x-a\x001", uint16(4096), uint8(3), uint8(2))
	f.Add(":status\x00200\x00grpc-status\x000\x00grpc-message\x00\xe2\x98\xba", uint16(0), uint8(1), uint8(3))
	f.Add("x-big\x00"+strings.Repeat("b", 3000)+"\x00x-big\x00"+strings.Repeat("c", 3000), uint16(65535), uint8(7), uint8(4))
	f.Fuzz(func(t *testing.T, spec string, tableSize uint16, cut uint8, blocks uint8) {
		if len(spec) > 16<<10 || strings.Count(spec, "\x00") > 128 {
			// Larger blocks test the encoder's linear table search more
			// than the follower.
			return
		}
		parts := strings.Split(spec, "\x00")
		var fields []hpack.HeaderField
		for i := 0; i+1 < len(parts); i += 2 {
			fields = append(fields, hpack.HeaderField{Name: parts[i], Value: parts[i+1], Sensitive: len(parts[i])%3 == 0})
		}
		c := newWire(true)
		must(c.fr.WriteSettings(http2.Setting{ID: http2.SettingHeaderTableSize, Val: uint32(tableSize)}))
		s := newWire(false)
		must(s.fr.WriteSettings())
		// The server's encoder was told the client's table size.
		s.enc.SetMaxDynamicTableSizeLimit(uint32(tableSize))
		s.enc.SetMaxDynamicTableSize(uint32(tableSize))
		n := int(blocks%4) + 1
		var want strings.Builder
		want.WriteString("-> SETTINGS stream=0 flags=0x00 len=6 HEADER_TABLE_SIZE=" + strconv.Itoa(int(tableSize)) + "\n")
		want.WriteString("<- SETTINGS stream=0 flags=0x00 len=0\n")
		for b := range n {
			s.hbuf.Reset()
			for _, hf := range fields {
				must(s.enc.WriteField(hf))
			}
			blk := bytes.Clone(s.hbuf.Bytes())
			id := uint32(2*b + 1)
			step := int(cut)%(len(blk)+1) + 1
			writeBlock(s.fr, id, blk, step)
			var ev bytes.Buffer
			ev.WriteString("<- HEADERS stream=" + strconv.Itoa(int(id)) + " flags=0x")
			continuations := (max(len(blk)-step, 0) + step - 1) / step
			if continuations == 0 {
				ev.WriteString("04")
			} else {
				ev.WriteString("00")
			}
			ev.WriteString(" len=" + strconv.Itoa(len(blk)) + " fields=[")
			for i, hf := range fields {
				if i > 0 {
					ev.WriteString(" ")
				}
				ev.WriteString(hf.Name + "=" + quote(hf.Value))
			}
			ev.WriteString("]")
			if continuations > 0 {
				ev.WriteString(" continuations=" + strconv.Itoa(continuations))
			}
			want.WriteString(ev.String() + "\n")
		}
		got := follow(c.bytes(), s.bytes(), 0)
		if got != want.String() {
			t.Fatalf("the follower decoded other fields:\n%s", golden.FirstDiff(got, want.String()))
		}
	})
}

// writeBlock writes a header block as a HEADERS frame and CONTINUATION
// frames of at most step bytes each.
func writeBlock(fr *http2.Framer, id uint32, blk []byte, step int) {
	first := min(step, len(blk))
	must(fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: blk[:first], EndHeaders: first == len(blk)}))
	for rest := blk[first:]; len(rest) > 0; {
		k := min(step, len(rest))
		must(fr.WriteContinuation(id, k == len(rest), rest[:k]))
		rest = rest[k:]
	}
}
