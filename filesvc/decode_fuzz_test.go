package filesvc

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"grpcwire/filespb"
)

// uploadSeeds are encodings of UploadRequest and of messages near it: each
// member, members repeated and mixed, unknown fields, wrong wire types,
// groups, truncations.
func uploadSeeds() [][]byte {
	m := func(r *filespb.UploadRequest) []byte { b, _ := proto.Marshal(r); return b }
	hdr := m(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "a.mp4", Size: 10, Offset: 3}}})
	hdr2 := m(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Sha256: []byte{1}}}})
	data := m(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: []byte("0123456789")}})
	empty := m(&filespb.UploadRequest{Part: &filespb.UploadRequest_Data{}})
	sum := m(&filespb.UploadRequest{Part: &filespb.UploadRequest_Sha256{Sha256: bytes.Repeat([]byte{7}, 32)}})
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 9, protowire.VarintType), 5)
	wrongType := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 1)
	group := protowire.AppendTag(protowire.AppendTag(nil, 4, protowire.StartGroupType), 4, protowire.EndGroupType)
	badName := m(&filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "ok"}}})
	badName[len(badName)-1] = 0xff // not UTF-8: proto.Unmarshal rejects it
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	return [][]byte{
		nil, hdr, data, empty, sum, badName,
		cat(hdr, data), cat(data, hdr), cat(hdr, hdr2), cat(hdr, data, hdr2), cat(data, sum, data),
		cat(unknown, data, unknown), cat(data, wrongType), wrongType, group, cat(group, data),
		data[:len(data)-1], hdr[:3], {0x12}, {0x12, 0xff}, {0x00}, {0x0c}, {0x13},
	}
}

// FuzzDecodeUploadRequest checks DecodeUploadRequest against
// proto.Unmarshal: both accept or both reject every input, they read the
// same member with the same value, and the data is not a copy.
func FuzzDecodeUploadRequest(f *testing.F) {
	for _, s := range uploadSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeUploadRequest(b)
		var want filespb.UploadRequest
		werr := proto.Unmarshal(b, &want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("DecodeUploadRequest(%x) error %v, proto.Unmarshal error %v", b, err, werr)
		}
		if err != nil {
			return
		}
		switch p := want.Part.(type) {
		case nil:
			if got.Part != PartNone {
				t.Fatalf("%x: got %v, proto.Unmarshal sets no part", b, got.Part)
			}
		case *filespb.UploadRequest_Header:
			if got.Part != PartHeader || !proto.Equal(got.Header, p.Header) {
				t.Fatalf("%x: got %v %v, proto.Unmarshal header %v", b, got.Part, got.Header, p.Header)
			}
		case *filespb.UploadRequest_Data:
			if got.Part != PartData || !bytes.Equal(got.Bytes, p.Data) {
				t.Fatalf("%x: got %v %x, proto.Unmarshal data %x", b, got.Part, got.Bytes, p.Data)
			}
		case *filespb.UploadRequest_Sha256:
			if got.Part != PartSHA256 || !bytes.Equal(got.Bytes, p.Sha256) {
				t.Fatalf("%x: got %v %x, proto.Unmarshal sha256 %x", b, got.Part, got.Bytes, p.Sha256)
			}
		}
		if got.Part == PartData && len(got.Bytes) > 0 && !aliases(got.Bytes, b) {
			t.Fatalf("%x: the data is a copy, not a part of the message buffer", b)
		}
	})
}

// FuzzDecodeChunk checks DecodeChunk against proto.Unmarshal likewise.
func FuzzDecodeChunk(f *testing.F) {
	m := func(c *filespb.Chunk) []byte { b, _ := proto.Marshal(c); return b }
	info := m(&filespb.Chunk{Info: &filespb.FileInfo{Name: "a", Size: 3, Sha256: []byte{1, 2}}})
	info2 := m(&filespb.Chunk{Info: &filespb.FileInfo{UploadCommitted: 5}})
	data := m(&filespb.Chunk{Data: []byte("abc")})
	for _, s := range [][]byte{nil, info, data, append(info, data...), append(data, data...), append(info, info2...), data[:2], {0x0a}, {0x08, 0x01}, {0x10, 0x80}, {0x0b}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		data, info, err := DecodeChunk(b)
		var want filespb.Chunk
		werr := proto.Unmarshal(b, &want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("DecodeChunk(%x) error %v, proto.Unmarshal error %v", b, err, werr)
		}
		if err != nil {
			return
		}
		if !bytes.Equal(data, want.Data) {
			t.Fatalf("%x: data %x, proto.Unmarshal %x", b, data, want.Data)
		}
		if (info == nil) != (want.Info == nil) || (info != nil && !proto.Equal(info, want.Info)) {
			t.Fatalf("%x: info %v, proto.Unmarshal %v", b, info, want.Info)
		}
		if len(data) > 0 && !aliases(data, b) {
			t.Fatalf("%x: the data is a copy, not a part of the message buffer", b)
		}
	})
}

// aliases reports whether part lies inside whole's memory.
func aliases(part, whole []byte) bool {
	if len(part) == 0 || len(whole) == 0 {
		return false
	}
	for i := range whole {
		if &whole[i] == &part[0] {
			return true
		}
	}
	return false
}
