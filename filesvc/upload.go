package filesvc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"time"

	"grpcwire/filespb"
	"grpcwire/wire"
)

// An Upload is one file being written: BeginUpload starts it, Write adds
// its bytes in order, Finish checks and stores it, Abandon drops it. Only
// one goroutine uses an Upload.
type Upload struct {
	s       *Store
	name    string
	size    int64  // announced
	want    []byte // the SHA-256 the header asked for, or nil
	f       *os.File
	w       io.Writer // f, or a test's wrapper of it
	h       hash.Hash
	written int64 // bytes of the file in f so far (the offset included)
	done    bool
	expired bool // the interrupted upload it was to continue had expired
}

// BeginUpload starts the upload h describes. It holds the name until Finish
// or Abandon: a second upload of a name being uploaded is ABORTED, so two
// uploads of one name never interleave. With h.Offset zero it starts a new
// temporary file; otherwise it continues the interrupted upload of the same
// name and size from h.Offset, which must be at most the bytes committed.
func (s *Store) BeginUpload(h *filespb.UploadHeader) (*Upload, error) {
	name := h.GetName()
	if err := checkName(name); err != nil {
		return nil, err
	}
	switch {
	case h.GetSize() < 0:
		return nil, wire.Errorf(wire.InvalidArgument, "files: the size %d of %s is negative", h.GetSize(), quoteName(name))
	case len(h.GetSha256()) != 0 && len(h.GetSha256()) != sha256.Size:
		return nil, wire.Errorf(wire.InvalidArgument, "files: the header's sha256 has %d bytes; a SHA-256 has 32", len(h.GetSha256()))
	case h.GetOffset() < 0 || h.GetOffset() > h.GetSize():
		return nil, wire.Errorf(wire.InvalidArgument, "files: the offset %d is not within the file's %d bytes", h.GetOffset(), h.GetSize())
	}
	if fi, err := s.root.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		return nil, wire.Errorf(wire.FailedPrecondition, "files: something other than a file is stored under the name %s", quoteName(name))
	}

	s.mu.Lock()
	if s.active[name] != nil {
		s.mu.Unlock()
		return nil, wire.Errorf(wire.Aborted, "files: another upload of %s is in progress; try again once it has ended", quoteName(name))
	}
	u := &Upload{s: s, name: name, size: h.GetSize(), want: h.GetSha256(), h: sha256.New()}
	s.active[name] = u
	wrap := s.wrapWriter
	s.mu.Unlock()

	var err error
	if h.GetOffset() == 0 {
		err = u.create()
	} else {
		err = u.resume(h.GetOffset())
	}
	if err != nil {
		u.Abandon(h.GetOffset() > 0 && !u.expired) // a failed resume keeps what it had, unless it expired
		return nil, err
	}
	u.w = u.f
	if wrap != nil {
		u.w = wrap(u.f)
	}
	return u, nil
}

// create starts the temporary file afresh, replacing an interrupted upload
// of the same name.
func (u *Upload) create() error {
	s := u.s
	m := partialMeta{Name: u.name, Size: u.size}
	if u.want != nil {
		m.SHA256 = hex.EncodeToString(u.want)
	}
	if err := s.writeJSON(metaPath(u.name), m); err != nil {
		return s.ioError("start the upload of", u.name, err)
	}
	f, err := s.root.OpenFile(partialPath(u.name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return s.ioError("start the upload of", u.name, err)
	}
	u.f = f
	return nil
}

// resume reopens the temporary file of an interrupted upload, drops what
// lies past offset, and hashes what stays.
func (u *Upload) resume(offset int64) error {
	s := u.s
	var m partialMeta
	if err := s.readJSON(metaPath(u.name), &m); err != nil || m.Name != u.name {
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("files: unreadable upload record", "name", u.name, "err", err)
		}
		return wire.Errorf(wire.FailedPrecondition, "files: there is no interrupted upload of %s to continue from byte %d; start it over with offset 0", quoteName(u.name), offset)
	}
	if m.Size != u.size {
		return wire.Errorf(wire.FailedPrecondition, "files: the interrupted upload of %s was of %d bytes, not %d; start it over with offset 0", quoteName(u.name), m.Size, u.size)
	}
	if u.want == nil && m.SHA256 != "" {
		u.want, _ = hex.DecodeString(m.SHA256)
	}
	f, err := s.root.OpenFile(partialPath(u.name), os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return wire.Errorf(wire.FailedPrecondition, "files: there is no interrupted upload of %s to continue; start it over with offset 0", quoteName(u.name))
		}
		return s.ioError("continue the upload of", u.name, err)
	}
	u.f = f
	fi, err := f.Stat()
	if err != nil {
		return s.ioError("continue the upload of", u.name, err)
	}
	if s.expired(fi.ModTime()) {
		u.expired = true
		return wire.Errorf(wire.FailedPrecondition, "files: the interrupted upload of %s has expired: the server keeps one for %v after its last byte, and this one was last written %v ago; start it over with offset 0",
			quoteName(u.name), s.ttl, s.now().Sub(fi.ModTime()).Round(time.Second))
	}
	if offset > fi.Size() {
		return wire.Errorf(wire.FailedPrecondition, "files: the server has %d bytes of %s, fewer than the offset %d; continue from Stat's upload_committed", fi.Size(), quoteName(u.name), offset)
	}
	if err := f.Truncate(offset); err != nil {
		return s.ioError("continue the upload of", u.name, err)
	}
	if _, err := io.CopyBuffer(u.h, io.NewSectionReader(f, 0, offset), make([]byte, hashBufSize)); err != nil {
		return s.ioError("continue the upload of", u.name, err)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return s.ioError("continue the upload of", u.name, err)
	}
	u.written = offset
	return nil
}

// Write appends the next bytes of the file. More bytes than the announced
// size are DATA_LOSS; a full disk is RESOURCE_EXHAUSTED.
func (u *Upload) Write(p []byte) error {
	if int64(len(p)) > u.size-u.written {
		return wire.Errorf(wire.DataLoss, "files: the upload of %s sent more than its announced %d bytes", quoteName(u.name), u.size)
	}
	n, err := u.w.Write(p)
	u.h.Write(p[:n])
	u.written += int64(n)
	if err != nil {
		return u.s.ioError("write", u.name, err)
	}
	return nil
}

// Written returns how many bytes of the file have been written, the offset
// of a continued upload included.
func (u *Upload) Written() int64 { return u.written }

// Finish checks the upload once all its bytes have come and stores it: the
// size must be the announced one and the SHA-256 the one the header asked
// for and the one final gives (either may be nil), else DATA_LOSS. The file
// is synced, then renamed into place, replacing a stored file of the same
// name. Finish ends the upload; if it fails, the temporary file is gone.
func (u *Upload) Finish(final []byte) (*filespb.FileInfo, error) {
	if u.done {
		return nil, wire.Errorf(wire.Internal, "files: the upload of %s already ended", quoteName(u.name))
	}
	out, err := u.finish(final)
	if err != nil {
		u.Abandon(false)
		return nil, err
	}
	return out, nil
}

func (u *Upload) finish(final []byte) (*filespb.FileInfo, error) {
	s := u.s
	if u.written != u.size {
		return nil, wire.Errorf(wire.DataLoss, "files: the upload of %s ended after %d of its announced %d bytes", quoteName(u.name), u.written, u.size)
	}
	sum := u.h.Sum(nil)
	for _, want := range [][]byte{u.want, final} {
		if want != nil && !bytes.Equal(sum, want) {
			return nil, wire.Errorf(wire.DataLoss, "files: the %d bytes received for %s have the SHA-256 %x, not %x", u.written, quoteName(u.name), sum, want)
		}
	}
	if err := u.f.Sync(); err != nil {
		return nil, s.ioError("store", u.name, err)
	}
	fi, err := u.f.Stat()
	if err != nil {
		return nil, s.ioError("store", u.name, err)
	}
	err = u.f.Close()
	u.f = nil
	if err != nil {
		return nil, s.ioError("store", u.name, err)
	}
	// The sidecar first: once the rename is done the file is visible, and
	// a Stat then finds its SHA-256 instead of reading it all again.
	s.rememberSum(u.name, fi.Size(), fi.ModTime(), sum)
	if err := s.root.Rename(partialPath(u.name), u.name); err != nil {
		return nil, s.ioError("store", u.name, err)
	}
	u.end(false, true)
	return info(u.name, fi, sum), nil
}

// Abandon ends an upload that will not finish. With keep, its temporary
// file stays, so that an Upload from Stat's upload_committed can continue
// it (for an upload whose call was cancelled or lost its connection);
// without, the temporary file is removed (for an upload that failed its
// checks, or a full disk). Abandon after the upload ended does nothing.
func (u *Upload) Abandon(keep bool) {
	if u.done {
		return
	}
	if u.f != nil {
		u.f.Close()
		u.f = nil
	}
	u.end(!keep, !keep)
}

// end releases the name, removing the temporary file when partial is set
// and its record when meta is.
func (u *Upload) end(partial, meta bool) {
	s := u.s
	u.done = true
	var paths []string
	if partial {
		paths = append(paths, partialPath(u.name))
	}
	if meta {
		paths = append(paths, metaPath(u.name))
	}
	for _, p := range paths {
		if err := s.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("files: cannot remove an upload's temporary file", "name", u.name, "err", err)
		}
	}
	s.mu.Lock()
	delete(s.active, u.name)
	s.mu.Unlock()
}
