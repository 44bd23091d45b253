package filesvc

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"grpcwire/filespb"
	"grpcwire/wire"
)

// The layout of the served directory. Stored files are in it under their
// names; the service's own files are under ReservedName:
//
//	.files/partial/KEY       the bytes of the upload of a name in progress or interrupted
//	.files/partial/KEY.json  that upload's name, announced size and expected SHA-256
//	.files/sum/KEY           the SHA-256 of a stored file, with the size and modification time it is valid for
//
// KEY is the hex SHA-256 of the name, so that any valid name (255 bytes of
// anything but "/" and NUL) maps to a short, plain file name.
const (
	partialDir = ReservedName + "/partial"
	sumDir     = ReservedName + "/sum"
	metaSuffix = ".json"
)

// Permissions of what the service creates.
const (
	filePerm = 0o644
	dirPerm  = 0o755
)

// A Store is a directory of files as the Files service sees it. It is safe
// for concurrent use.
type Store struct {
	root *os.Root
	dir  string // the directory's path, for logs
	log  *slog.Logger

	mu     sync.Mutex
	active map[string]*Upload // uploads in progress, by name

	tmpSeq atomic.Uint64 // numbers temporary sidecar files

	// wrapWriter, when set, wraps the writer of every upload's temporary
	// file (SetWrapWriter). Guarded by mu.
	wrapWriter func(io.Writer) io.Writer

	// Expiry of interrupted uploads (expiry.go).
	ttl       time.Duration    // how long an interrupted upload is kept; 0: for ever
	now       func() time.Time // time.Now, or a test's clock
	stop      chan struct{}    // closed by Close: the sweeper ends
	swept     chan struct{}    // closed once the sweeper has ended (or never ran)
	closeOnce sync.Once
	closeErr  error
}

// SetWrapWriter makes every upload write its bytes through wrap(f), f being
// its temporary file, from the next upload on: to count or throttle writes,
// or to make them fail as a full disk does where no real file system can
// be filled (the tests do both).
func (s *Store) SetWrapWriter(wrap func(io.Writer) io.Writer) {
	s.mu.Lock()
	s.wrapWriter = wrap
	s.mu.Unlock()
}

// OpenStore opens dir as a Store, creating it if needed, and its reserved
// subdirectory. It removes the interrupted uploads that have expired
// (PartialTTL; DefaultPartialTTL unless opts say otherwise) and starts the
// goroutine that goes on removing them until Close.
// logger receives the server-side detail of I/O errors (with paths, which
// statuses leave out) and the removals; nil discards it.
func OpenStore(dir string, logger *slog.Logger, opts ...StoreOption) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("files: cannot create the directory to serve: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files: cannot open the directory to serve: %w", err)
	}
	for _, d := range []string{ReservedName, partialDir, sumDir} {
		if err := root.Mkdir(d, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
			root.Close()
			return nil, fmt.Errorf("files: cannot create %s: %w", path.Join(dir, d), err)
		}
		if fi, err := root.Lstat(d); err != nil || !fi.IsDir() {
			root.Close()
			return nil, fmt.Errorf("files: %s must be a directory for the server's own files; move the file of that name away", path.Join(dir, d))
		}
	}
	s := &Store{
		root: root, dir: dir, log: logger, active: map[string]*Upload{},
		ttl: DefaultPartialTTL, now: time.Now, stop: make(chan struct{}), swept: make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	s.startSweeper()
	return s, nil
}

// Close stops the removal of expired uploads, waiting for the goroutine
// that does it to end, and releases the directory. Uploads still in
// progress fail. Closing again does nothing and returns the first Close's
// result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.swept
		s.closeErr = s.root.Close()
	})
	return s.closeErr
}

// Dir returns the served directory's path.
func (s *Store) Dir() string { return s.dir }

// key is the name of a name's files under ReservedName.
func key(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

func partialPath(name string) string { return partialDir + "/" + key(name) }
func metaPath(name string) string    { return partialPath(name) + metaSuffix }
func sumPath(name string) string     { return sumDir + "/" + key(name) }

// partialMeta is what .files/partial/KEY.json holds.
type partialMeta struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"` // hex; the header's, if it gave one
}

// sumMeta is what .files/sum/KEY holds: the SHA-256 of a stored file, valid
// while the file keeps this size and modification time.
type sumMeta struct {
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256"`
}

// writeJSON writes v to name through a temporary file and a rename, so that
// a reader never sees half of it.
func (s *Store) writeJSON(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := name + ".tmp" + strconv.FormatUint(s.tmpSeq.Add(1), 10)
	if err := s.root.WriteFile(tmp, append(b, '\n'), filePerm); err != nil {
		s.root.Remove(tmp)
		return err
	}
	if err := s.root.Rename(tmp, name); err != nil {
		s.root.Remove(tmp)
		return err
	}
	return nil
}

// readJSON reads what writeJSON wrote; a missing file is fs.ErrNotExist.
func (s *Store) readJSON(name string, v any) error {
	b, err := s.root.ReadFile(name)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ioError turns a failed file operation into the status the client gets:
// RESOURCE_EXHAUSTED when the disk is full, INTERNAL otherwise. The detail,
// with paths, goes to the log, not to the client.
func (s *Store) ioError(what, name string, err error) error {
	s.log.Error("files: "+what+" failed", "name", name, "dir", s.dir, "err", err)
	if isDiskFull(err) {
		return wire.Errorf(wire.ResourceExhausted, "files: the server's disk is full (%s %s)", what, quoteName(name))
	}
	return wire.Errorf(wire.Internal, "files: the server could not %s %s", what, quoteName(name))
}

// notFound is the status of a name with no stored file.
func notFound(name string) error {
	return wire.Errorf(wire.NotFound, "files: no file named %s", quoteName(name))
}

// storedFile opens the stored file of a valid name for reading and
// describes it. A missing file (or a directory in its place) is NOT_FOUND.
func (s *Store) storedFile(name string) (*os.File, fs.FileInfo, error) {
	f, err := s.root.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, notFound(name)
		}
		return nil, nil, s.ioError("open", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, s.ioError("stat", name, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, wire.Errorf(wire.NotFound, "files: %s is not a regular file", quoteName(name))
	}
	return f, fi, nil
}

// knownSum returns the stored file's SHA-256 from its sidecar, or nil when
// the sidecar is missing or describes another version of the file.
func (s *Store) knownSum(name string, fi fs.FileInfo) []byte {
	var m sumMeta
	if err := s.readJSON(sumPath(name), &m); err != nil {
		return nil
	}
	if m.Name != name || m.Size != fi.Size() || m.ModTime != fi.ModTime().UnixNano() {
		return nil
	}
	sum, err := hex.DecodeString(m.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return nil
	}
	return sum
}

// fileSum returns the SHA-256 of the open stored file f: from its sidecar,
// or computed by reading it (a file put in the directory by other means)
// and then remembered in the sidecar.
func (s *Store) fileSum(name string, f *os.File, fi fs.FileInfo) ([]byte, error) {
	if sum := s.knownSum(name, fi); sum != nil {
		return sum, nil
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(f, 0, fi.Size()), make([]byte, hashBufSize)); err != nil {
		return nil, s.ioError("read", name, err)
	}
	sum := h.Sum(nil)
	s.rememberSum(name, fi.Size(), fi.ModTime(), sum)
	return sum, nil
}

// rememberSum writes a stored file's sidecar. A failure only costs a
// recomputation later, so it is logged and not returned.
func (s *Store) rememberSum(name string, size int64, mtime time.Time, sum []byte) {
	m := sumMeta{Name: name, Size: size, ModTime: mtime.UnixNano(), SHA256: hex.EncodeToString(sum)}
	if err := s.writeJSON(sumPath(name), m); err != nil {
		s.log.Warn("files: cannot remember a file's SHA-256", "name", name, "dir", s.dir, "err", err)
	}
}

// info describes a stored file.
func info(name string, fi fs.FileInfo, sum []byte) *filespb.FileInfo {
	return &filespb.FileInfo{
		Name:     name,
		Size:     fi.Size(),
		Sha256:   sum,
		Modified: timestamppb.New(fi.ModTime()),
	}
}

// addUpload adds to fi what is known of an upload of its name in progress
// or interrupted: the bytes committed and the announced size. It reports
// whether there is one. An interrupted upload that has expired is not one,
// for Stat and List alike, even before the sweeper has removed its files.
func (s *Store) addUpload(fi *filespb.FileInfo) bool {
	var m partialMeta
	if err := s.readJSON(metaPath(fi.Name), &m); err != nil || m.Name != fi.Name {
		return false
	}
	pf, err := s.root.Stat(partialPath(fi.Name))
	if err != nil {
		return false
	}
	s.mu.Lock()
	active := s.activeLocked(fi.Name)
	s.mu.Unlock()
	if !active && s.expired(pf.ModTime()) {
		return false
	}
	fi.UploadCommitted = pf.Size()
	fi.UploadSize = m.Size
	return true
}

// Stat describes the stored file name, computing its SHA-256 if it is not
// known yet, and an upload of that name in progress or interrupted. A name
// with neither is NOT_FOUND.
func (s *Store) Stat(name string) (*filespb.FileInfo, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	f, fi, err := s.storedFile(name)
	if err != nil {
		if wire.StatusOf(err).Code != wire.NotFound {
			return nil, err
		}
		out := &filespb.FileInfo{Name: name}
		if !s.addUpload(out) {
			return nil, err
		}
		return out, nil
	}
	defer f.Close()
	sum, err := s.fileSum(name, f, fi)
	if err != nil {
		return nil, err
	}
	out := info(name, fi, sum)
	s.addUpload(out)
	return out, nil
}

// List describes every stored file, and every upload in progress or
// interrupted, sorted by name. It reads no file: a SHA-256 is given where
// its sidecar has it.
func (s *Store) List() ([]*filespb.FileInfo, error) {
	entries, err := fs.ReadDir(s.root.FS(), ".")
	if err != nil {
		return nil, s.ioError("list", ".", err)
	}
	byName := map[string]*filespb.FileInfo{}
	for _, e := range entries {
		name := e.Name()
		if name == ReservedName || !e.Type().IsRegular() || checkName(name) != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		byName[name] = info(name, fi, s.knownSum(name, fi))
	}
	partials, err := fs.ReadDir(s.root.FS(), partialDir)
	if err != nil {
		return nil, s.ioError("list", partialDir, err)
	}
	for _, e := range partials {
		if path.Ext(e.Name()) != metaSuffix {
			continue
		}
		var m partialMeta
		if s.readJSON(partialDir+"/"+e.Name(), &m) != nil || checkName(m.Name) != nil {
			continue
		}
		fi := byName[m.Name]
		if fi == nil {
			fi = &filespb.FileInfo{Name: m.Name}
		}
		if s.addUpload(fi) {
			byName[m.Name] = fi
		}
	}
	out := make([]*filespb.FileInfo, 0, len(byName))
	for _, fi := range byName {
		out = append(out, fi)
	}
	slices.SortFunc(out, func(a, b *filespb.FileInfo) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// Open opens the stored file name for a download from offset: it returns
// the file, positioned at offset, and its description with its SHA-256. An
// offset past the end is OUT_OF_RANGE.
func (s *Store) Open(name string, offset int64) (*os.File, *filespb.FileInfo, error) {
	if err := checkName(name); err != nil {
		return nil, nil, err
	}
	if offset < 0 {
		return nil, nil, wire.Errorf(wire.InvalidArgument, "files: the offset %d is negative", offset)
	}
	f, fi, err := s.storedFile(name)
	if err != nil {
		return nil, nil, err
	}
	if offset > fi.Size() {
		f.Close()
		return nil, nil, wire.Errorf(wire.OutOfRange, "files: the offset %d is past the end of %s, which has %d bytes", offset, quoteName(name), fi.Size())
	}
	sum, err := s.fileSum(name, f, fi)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, s.ioError("seek in", name, err)
	}
	return f, info(name, fi, sum), nil
}
