package filesvc

import (
	"errors"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"grpcwire/filespb"
)

// The decoders below read the two messages that carry a file's bytes
// (UploadRequest and Chunk) from their protobuf encoding in place: the data
// they return is a subslice of the message buffer, not a copy, which
// proto.Unmarshal would make (and allocate) for every chunk. They follow
// proto.Unmarshal's rules exactly, so that they accept and reject the same
// messages and read the same values (FuzzDecodeUploadRequest and
// FuzzDecodeChunk check it against proto.Unmarshal):
//
//   - fields may come in any order and more than once: the last value of a
//     bytes field wins, and occurrences of a message field are merged;
//   - of a oneof, the last member to appear is the one set;
//   - a field whose wire type is not its declared one, and any field this
//     program does not know, is an unknown field and skipped;
//   - a malformed tag, varint, length or group is an error.

// Part says which member of UploadRequest's oneof a message carries.
type Part uint8

// The members of UploadRequest's part, and none.
const (
	PartNone   Part = iota // no member: an empty message
	PartHeader             // header: the first message
	PartData               // data: a chunk of the file
	PartSHA256             // sha256: the optional last message
)

// String names the member as files.proto does.
func (p Part) String() string {
	switch p {
	case PartNone:
		return "none"
	case PartHeader:
		return "header"
	case PartData:
		return "data"
	case PartSHA256:
		return "sha256"
	}
	return "Part(" + strconv.Itoa(int(p)) + ")"
}

// UploadPart is one UploadRequest as DecodeUploadRequest reads it.
type UploadPart struct {
	// Part is the member the message carries.
	Part Part
	// Header is set for PartHeader.
	Header *filespb.UploadHeader
	// Bytes is the data of PartData or the SHA-256 of PartSHA256: a
	// subslice of the message buffer.
	Bytes []byte
}

// Field numbers of files.proto.
const (
	uploadHeaderField protowire.Number = 1 // UploadRequest.header
	uploadDataField   protowire.Number = 2 // UploadRequest.data
	uploadSHA256Field protowire.Number = 3 // UploadRequest.sha256
	chunkDataField    protowire.Number = 1 // Chunk.data
	chunkInfoField    protowire.Number = 2 // Chunk.info
)

// errMalformed is what the decoders return for an encoding that
// proto.Unmarshal rejects too.
var errMalformed = errors.New("files: malformed protobuf encoding")

// mergeOpts decodes the header and info messages: merged into what an
// earlier occurrence of the field gave, as proto.Unmarshal does, and with
// no lazy decoding, so that nothing keeps pointing into the message buffer,
// which is reused.
var mergeOpts = proto.UnmarshalOptions{NoLazyDecoding: true, Merge: true}

// DecodeUploadRequest reads an UploadRequest from its encoding b without
// copying its data: UploadPart.Bytes points into b.
func DecodeUploadRequest(b []byte) (UploadPart, error) {
	var out UploadPart
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber {
			return UploadPart{}, errMalformed
		}
		b = b[n:]
		if typ == protowire.BytesType && num >= uploadHeaderField && num <= uploadSHA256Field {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return UploadPart{}, errMalformed
			}
			b = b[n:]
			switch num {
			case uploadHeaderField:
				if out.Part != PartHeader {
					out = UploadPart{Part: PartHeader, Header: new(filespb.UploadHeader)}
				}
				if err := mergeOpts.Unmarshal(v, out.Header); err != nil {
					return UploadPart{}, err
				}
			case uploadDataField:
				out = UploadPart{Part: PartData, Bytes: v}
			case uploadSHA256Field:
				out = UploadPart{Part: PartSHA256, Bytes: v}
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return UploadPart{}, errMalformed
		}
		b = b[n:]
	}
	return out, nil
}

// DecodeChunk reads a Chunk from its encoding b without copying its data:
// the data returned points into b. info is nil when the message has none.
func DecodeChunk(b []byte) (data []byte, info *filespb.FileInfo, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber {
			return nil, nil, errMalformed
		}
		b = b[n:]
		if typ == protowire.BytesType && (num == chunkDataField || num == chunkInfoField) {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, nil, errMalformed
			}
			b = b[n:]
			if num == chunkDataField {
				data = v
				continue
			}
			if info == nil {
				info = new(filespb.FileInfo)
			}
			if err := mergeOpts.Unmarshal(v, info); err != nil {
				return nil, nil, err
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return nil, nil, errMalformed
		}
		b = b[n:]
	}
	return data, info, nil
}
