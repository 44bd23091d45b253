package filesvc_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/wire"
)

// TestRoundTrip uploads files of the sizes where chunking has edges (empty,
// one byte, a chunk less one, a chunk, a chunk and one, several chunks)
// and downloads them again, byte for byte and by SHA-256; Stat and List
// describe them.
func TestRoundTrip(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	e := newEnv(t, "")
	sizes := []int{0, 1, filesvc.ChunkSize - 1, filesvc.ChunkSize, filesvc.ChunkSize + 1, 3*filesvc.ChunkSize + 17}
	var want []string
	for i, n := range sizes {
		name := fmt.Sprintf("file-%d.bin", n)
		want = append(want, name)
		data := randomBytes(n, uint64(i))
		sum := sha256.Sum256(data)
		stored, err := e.put(name, data)
		if err != nil {
			t.Fatalf("upload of %d bytes: %v", n, err)
		}
		if stored.GetName() != name || stored.GetSize() != int64(n) || !bytes.Equal(stored.GetSha256(), sum[:]) || stored.GetModified() == nil {
			t.Errorf("upload of %d bytes answered %v", n, stored)
		}
		onDisk, err := os.ReadFile(filepath.Join(e.dir, name))
		if err != nil || !bytes.Equal(onDisk, data) {
			t.Errorf("the stored file of %d bytes differs from what was sent (%v)", n, err)
		}
		info, got, err := e.get(name, 0)
		if err != nil {
			t.Fatalf("download of %d bytes: %v", n, err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("download of %d bytes: got %d bytes that differ", n, len(got))
		}
		if gotSum := sha256.Sum256(got); gotSum != sum || !bytes.Equal(info.GetSha256(), sum[:]) || info.GetSize() != int64(n) {
			t.Errorf("download of %d bytes: info %v, SHA-256 of the bytes %x, want %x", n, info, gotSum, sum)
		}
		st, err := e.files.Stat(ctx(t), &filespb.StatRequest{Name: name})
		if err != nil || !proto.Equal(st, stored) {
			t.Errorf("Stat(%q) = %v, %v; want what the upload answered, %v", name, st, err, stored)
		}
		if n > 2 {
			_, tail, err := e.get(name, int64(n-2))
			if err != nil || !bytes.Equal(tail, data[n-2:]) {
				t.Errorf("download of %d bytes from offset %d: %x, %v; want %x", n, n-2, tail, err, data[n-2:])
			}
		}
	}
	res, err := e.files.List(ctx(t), &filespb.ListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, fi := range res.GetFiles() {
		listed = append(listed, fi.GetName())
		if len(fi.GetSha256()) != sha256.Size {
			t.Errorf("List gives %q without its SHA-256, which the upload recorded", fi.GetName())
		}
	}
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("List = %q, want %q", listed, want)
	}
	if r := reservedFiles(t, e.dir); len(r) > 0 {
		t.Errorf("finished uploads left temporary files: %q", r)
	}
}

// TestReplace uploads a name twice: the second replaces the first whole.
func TestReplace(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	e := newEnv(t, "")
	first, second := randomBytes(1000, 1), randomBytes(10, 2)
	for _, data := range [][]byte{first, second} {
		if _, err := e.put("f", data); err != nil {
			t.Fatal(err)
		}
	}
	if _, got, err := e.get("f", 0); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("after replacing: %x, %v; want %x", got, err, second)
	}
}

// nameExamples breaks each of the name rules, in order: a name that each
// rule rejects and no earlier rule does, with a word of the reason given.
var nameExamples = []struct{ name, because string }{
	{"", "empty"},
	{strings.Repeat("n", 256), "longer than 255 bytes"},
	{"bad\xffutf8", "UTF-8"},
	{"nul\x00byte", "NUL"},
	{"/etc/passwd", "absolute"},
	{"a..b", `".."`},
	{"dir/file", `"/"`},
	{`dir\file`, `"\"`},
	{".", `"."`},
	{filesvc.ReservedName, "reserved"},
}

// TestNameRules walks every name rule: each bad name is INVALID_ARGUMENT,
// saying why, from Upload, Download and Stat, and nothing is written; good
// names of every kind are stored.
func TestNameRules(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	if got, want := len(nameExamples), filesvc.NameRules()-1; got != want {
		t.Fatalf("%d examples for %d name rules (the last, filepath.IsLocal, has no example on every system)", got, want)
	}
	e := newEnv(t, "")
	for _, ex := range nameExamples {
		// The Store itself, which a program may use without gRPC.
		_, err := e.store.BeginUpload(&filespb.UploadHeader{Name: ex.name, Size: 1})
		st := wantCode(t, err, wire.InvalidArgument, fmt.Sprintf("BeginUpload of %q", ex.name))
		if !strings.Contains(st.Message, ex.because) {
			t.Errorf("BeginUpload of %q: %q does not say %q", ex.name, st.Message, ex.because)
		}
		_, _, err = e.store.Open(ex.name, 0)
		wantCode(t, err, wire.InvalidArgument, fmt.Sprintf("Open of %q", ex.name))
		_, err = e.store.Stat(ex.name)
		wantCode(t, err, wire.InvalidArgument, fmt.Sprintf("Store.Stat of %q", ex.name))
		if !utf8.ValidString(ex.name) {
			continue // protobuf cannot carry it in a string field
		}
		// The service, over the wire.
		_, err = e.put(ex.name, []byte("x"))
		st = wantCode(t, err, wire.InvalidArgument, fmt.Sprintf("upload of %q", ex.name))
		if !strings.Contains(st.Message, ex.because) {
			t.Errorf("upload of %q: %q does not say %q", ex.name, st.Message, ex.because)
		}
		_, _, err = e.get(ex.name, 0)
		wantCode(t, err, wire.InvalidArgument, fmt.Sprintf("download of %q", ex.name))
		_, err = e.files.Stat(ctx(t), &filespb.StatRequest{Name: ex.name})
		wantCode(t, err, wire.InvalidArgument, fmt.Sprintf("Stat of %q", ex.name))
	}
	if n := names(t, e.dir); len(n) > 0 {
		t.Errorf("bad names stored files: %q", n)
	}
	for _, good := range []string{"movie.mp4", "a b c", ".hidden", "ünïcödé ☺", "a.", strings.Repeat("n", 255)} {
		if _, err := e.put(good, []byte("x")); err != nil {
			t.Errorf("upload of the valid name %q: %v", good, err)
		}
	}
}

// TestMissing checks the statuses of files that are not there, and of
// offsets that do not fit.
func TestMissing(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	e := newEnv(t, "")
	_, _, err := e.get("nope", 0)
	wantCode(t, err, wire.NotFound, "download of a missing file")
	_, err = e.files.Stat(ctx(t), &filespb.StatRequest{Name: "nope"})
	wantCode(t, err, wire.NotFound, "Stat of a missing file")
	if err := os.Mkdir(filepath.Join(e.dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.get("adir", 0)
	wantCode(t, err, wire.NotFound, "download of a directory")
	_, err = e.put("adir", []byte("x"))
	wantCode(t, err, wire.FailedPrecondition, "upload over a directory")

	if _, err := e.put("f", []byte("abc")); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.get("f", 4)
	wantCode(t, err, wire.OutOfRange, "download from past the end")
	_, _, err = e.get("f", -1)
	wantCode(t, err, wire.InvalidArgument, "download from a negative offset")
	if _, got, err := e.get("f", 3); err != nil || len(got) != 0 {
		t.Errorf("download from the end: %q, %v; want nothing, OK", got, err)
	}
}

// TestFileAddedByHand serves a file put in the directory by other means:
// its SHA-256 is computed on first use and remembered, and recomputed once
// the file changes.
func TestFileAddedByHand(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	e := newEnv(t, "")
	path := filepath.Join(e.dir, "byhand")
	for i, data := range [][]byte{[]byte("first version"), []byte("the second, longer version")} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		res, err := e.files.List(ctx(t), &filespb.ListRequest{})
		if err != nil || len(res.GetFiles()) != 1 {
			t.Fatalf("List: %v, %v", res, err)
		}
		if i == 0 && len(res.GetFiles()[0].GetSha256()) != 0 {
			t.Errorf("List knows the SHA-256 of a file never read: %v", res.GetFiles()[0])
		}
		info, got, err := e.get("byhand", 0)
		if err != nil || !bytes.Equal(got, data) || !bytes.Equal(info.GetSha256(), sum[:]) {
			t.Fatalf("version %d: %v %q %v; want %x", i, info, got, err, sum)
		}
		res, err = e.files.List(ctx(t), &filespb.ListRequest{})
		if err != nil || !bytes.Equal(res.GetFiles()[0].GetSha256(), sum[:]) {
			t.Errorf("version %d: List after a download does not give its SHA-256: %v, %v", i, res, err)
		}
	}
}

// TestDataLoss sends uploads whose size or SHA-256 does not match: each is
// DATA_LOSS, no file takes the name, no temporary file stays, and a file
// already stored under the name is untouched.
func TestDataLoss(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	e := newEnv(t, "")
	old := []byte("the stored version")
	if _, err := e.put("f", old); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(2*filesvc.ChunkSize+5, 9)
	sum := sha256.Sum256(data)
	wrong := sha256.Sum256([]byte("something else"))
	hdr := func(size int64, sha []byte) *filespb.UploadHeader {
		return &filespb.UploadHeader{Name: "f", Size: size, Sha256: sha}
	}
	for _, tc := range []struct {
		name string
		u    upload
		why  string
	}{
		{"fewer bytes than announced", upload{header: hdr(int64(len(data))+1, nil), data: data}, "ended after"},
		{"more bytes than announced", upload{header: hdr(int64(len(data))-1, nil), data: data}, "more than"},
		{"header's SHA-256 wrong", upload{header: hdr(int64(len(data)), wrong[:]), data: data}, "SHA-256"},
		{"final SHA-256 wrong", upload{header: hdr(int64(len(data)), nil), data: data, final: wrong[:]}, "SHA-256"},
		{"header right, final wrong", upload{header: hdr(int64(len(data)), sum[:]), data: data, final: wrong[:]}, "SHA-256"},
		{"empty upload of announced bytes", upload{header: hdr(5, nil)}, "ended after 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.u.send(ctx(t), e.files)
			st := wantCode(t, err, wire.DataLoss, tc.name)
			if !strings.Contains(st.Message, tc.why) {
				t.Errorf("%q does not say %q", st.Message, tc.why)
			}
			if _, got, err := e.get("f", 0); err != nil || !bytes.Equal(got, old) {
				t.Errorf("the stored file changed: %q, %v", got, err)
			}
			if r := reservedFiles(t, e.dir); len(r) > 0 {
				t.Errorf("temporary files stayed: %q", r)
			}
			if st, err := e.files.Stat(ctx(t), &filespb.StatRequest{Name: "f"}); err != nil || st.GetUploadCommitted() != 0 || st.GetUploadSize() != 0 {
				t.Errorf("Stat shows an upload after a failed one: %v, %v", st, err)
			}
		})
	}
	if n := names(t, e.dir); !slices.Equal(n, []string{"f"}) {
		t.Errorf("stored files %q, want only f", n)
	}
	// Both checksums right: stored.
	if _, err := (upload{header: hdr(int64(len(data)), sum[:]), data: data, final: sum[:]}).send(ctx(t), e.files); err != nil {
		t.Fatalf("upload with both SHA-256s right: %v", err)
	}
}

// TestBadMessages sends uploads whose messages break the protocol: each is
// INVALID_ARGUMENT saying what was wrong, and leaves nothing behind.
func TestBadMessages(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	e := newEnv(t, "")
	hdr := &filespb.UploadRequest{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "f", Size: 3}}}
	data := &filespb.UploadRequest{Part: &filespb.UploadRequest_Data{Data: []byte("abc")}}
	sum := sha256.Sum256([]byte("abc"))
	final := &filespb.UploadRequest{Part: &filespb.UploadRequest_Sha256{Sha256: sum[:]}}
	garbage := &filespb.UploadRequest{}
	garbage.ProtoReflect().SetUnknown([]byte{0x12, 0xff}) // field 2, a length past the end
	for _, tc := range []struct {
		name string
		msgs []*filespb.UploadRequest
		why  string
	}{
		{"no message", nil, "no message"},
		{"data first", []*filespb.UploadRequest{data}, "first message"},
		{"empty first", []*filespb.UploadRequest{{}}, "first message"},
		{"second header", []*filespb.UploadRequest{hdr, hdr}, "second header"},
		{"empty message", []*filespb.UploadRequest{hdr, {}}, "carries nothing"},
		{"after the sha256", []*filespb.UploadRequest{hdr, data, final, data}, "after the sha256"},
		{"short sha256", []*filespb.UploadRequest{hdr, data, {Part: &filespb.UploadRequest_Sha256{Sha256: []byte{1}}}}, "32"},
		{"not protobuf", []*filespb.UploadRequest{hdr, garbage}, "not valid protobuf"},
		{"negative size", []*filespb.UploadRequest{{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "f", Size: -1}}}}, "negative"},
		{"header sha256 short", []*filespb.UploadRequest{{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "f", Size: 1, Sha256: []byte{1}}}}}, "32"},
		{"offset past the size", []*filespb.UploadRequest{{Part: &filespb.UploadRequest_Header{Header: &filespb.UploadHeader{Name: "f", Size: 1, Offset: 2}}}}, "offset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream, err := e.files.Upload(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range tc.msgs {
				if stream.Send(m) != nil {
					break
				}
			}
			_, err = stream.CloseAndRecv()
			st := wantCode(t, err, wire.InvalidArgument, tc.name)
			if !strings.Contains(st.Message, tc.why) {
				t.Errorf("%q does not say %q", st.Message, tc.why)
			}
			if n := names(t, e.dir); len(n) > 0 {
				t.Errorf("stored files %q", n)
			}
			if r := reservedFiles(t, e.dir); len(r) > 0 {
				t.Errorf("temporary files stayed: %q", r)
			}
		})
	}
}
