package filesvc

import (
	"io/fs"
	"strings"
	"time"
)

// A StoreOption configures a Store (OpenStore).
type StoreOption func(*Store)

// PartialTTL sets how long an interrupted upload is kept after its last
// byte was written (DefaultPartialTTL by default): past it, the upload is
// expired. Stat and List no longer show an expired upload, an Upload cannot
// continue it (FAILED_PRECONDITION: start over), and the Store removes its
// files, when it opens and then periodically (sweepInterval), so that
// uploads that are never continued do not fill the disk. An upload in
// progress never expires, however long its client pauses. Zero or less
// keeps interrupted uploads until they are continued or replaced.
func PartialTTL(d time.Duration) StoreOption {
	return func(s *Store) { s.ttl = max(d, 0) }
}

// withClock makes the Store tell the time with now instead of time.Now,
// for the tests' expiry without waiting (export_test.go).
func withClock(now func() time.Time) StoreOption {
	return func(s *Store) { s.now = now }
}

// expired reports whether an interrupted upload whose files were last
// written at mtime is past the time to live.
func (s *Store) expired(mtime time.Time) bool {
	return s.ttl > 0 && s.now().Sub(mtime) > s.ttl
}

// activeLocked reports whether an upload of name is in progress. s.mu is
// held.
func (s *Store) activeLocked(name string) bool { return s.active[name] != nil }

// startSweeper removes the expired uploads once, then starts the goroutine
// that does it every sweepInterval until Close. Without a time to live it
// does nothing.
func (s *Store) startSweeper() {
	if s.ttl <= 0 {
		close(s.swept)
		return
	}
	s.sweep()
	go s.sweepLoop(sweepInterval(s.ttl))
}

// sweepLoop is the Store's one goroutine: it removes expired uploads every
// interval until Close closes s.stop, then closes s.swept.
func (s *Store) sweepLoop(interval time.Duration) {
	defer close(s.swept)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep removes the files of every expired upload under partialDir: the
// data and the record of an interrupted upload, and also what a crash left
// of one (a record without data, data without a record, a record's
// temporary file), each group of files aged by the newest of them. Uploads
// in progress are left alone. It holds s.mu throughout, so that no upload
// of a name can begin, or be abandoned with fresh files, between the look
// at a name's files and their removal.
func (s *Store) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, err := fs.ReadDir(s.root.FS(), partialDir)
	if err != nil {
		s.log.Warn("files: cannot look for expired uploads", "dir", s.dir, "err", err)
		return
	}
	type group struct {
		files  []string
		newest time.Time
		size   int64 // of the data file
	}
	groups := map[string]*group{}
	var order []string
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		k, _, _ := strings.Cut(e.Name(), ".") // KEY, KEY.json, KEY.json.tmpN
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		g.files = append(g.files, e.Name())
		if fi.ModTime().After(g.newest) {
			g.newest = fi.ModTime()
		}
		if e.Name() == k {
			g.size = fi.Size()
		}
	}
	active := map[string]bool{}
	for name := range s.active {
		active[key(name)] = true
	}
	for _, k := range order {
		g := groups[k]
		if active[k] || !s.expired(g.newest) {
			continue
		}
		var m partialMeta
		s.readJSON(partialDir+"/"+k+metaSuffix, &m) // for the log; a crash may have left none
		for _, f := range g.files {
			if err := s.root.Remove(partialDir + "/" + f); err != nil {
				s.log.Warn("files: cannot remove an expired upload's file", "name", m.Name, "file", f, "err", err)
			}
		}
		s.log.Info("files: removed an expired upload", "name", m.Name, "committed", g.size, "last_written", g.newest, "ttl", s.ttl)
	}
}
