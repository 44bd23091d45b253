package filesvc_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"grpcwire/filespb"
	"grpcwire/filesvc"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testio"
	"grpcwire/wire"
)

// clock is a test's time, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// interrupted leaves an interrupted upload of name on store: n of its
// 2n announced bytes written, then the call cut short.
func interrupted(t *testing.T, store *filesvc.Store, name string, n int) {
	t.Helper()
	up, err := store.BeginUpload(&filespb.UploadHeader{Name: name, Size: int64(2 * n)})
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	up.Abandon(true)
}

// listed returns the names List gives and, for each, the bytes of an
// upload committed.
func listed(t *testing.T, store *filesvc.Store) map[string]int64 {
	t.Helper()
	fis, err := store.List()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, fi := range fis {
		out[fi.GetName()] = fi.GetUploadCommitted()
	}
	return out
}

// TestPartialExpiry: an interrupted upload is shown by Stat and List, and
// can be continued, until the time to live has passed since its last
// byte; from then on, before any sweep has removed it, Stat and List agree
// that there is none, and continuing it is FAILED_PRECONDITION saying it
// expired. A stored file of the same name stays, and an upload in progress
// never expires, however long it pauses.
func TestPartialExpiry(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	const ttl = time.Hour
	c := &clock{now: time.Now()}
	dir := t.TempDir()
	store, err := filesvc.OpenStore(dir, nil, filesvc.PartialTTL(ttl), filesvc.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := os.WriteFile(filepath.Join(dir, "kept.bin"), []byte("stored"), 0o644); err != nil {
		t.Fatal(err)
	}
	interrupted(t, store, "kept.bin", 10)
	interrupted(t, store, "gone.bin", 20)
	paused, err := store.BeginUpload(&filespb.UploadHeader{Name: "paused.bin", Size: 8})
	if err != nil {
		t.Fatal(err)
	}
	if err := paused.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}

	c.Add(ttl - time.Minute)
	if got, want := listed(t, store), map[string]int64{"kept.bin": 10, "gone.bin": 20, "paused.bin": 4}; !maps.Equal(got, want) {
		t.Errorf("List before the time to live: %v, want %v", got, want)
	}
	if fi, err := store.Stat("gone.bin"); err != nil || fi.GetUploadCommitted() != 20 {
		t.Errorf("Stat before the time to live: %v, %v; want 20 bytes committed", fi, err)
	}

	c.Add(2 * time.Minute)
	if got, want := listed(t, store), map[string]int64{"kept.bin": 0, "paused.bin": 4}; !maps.Equal(got, want) {
		t.Errorf("List past the time to live: %v, want %v (the stored file without its upload, the one in progress)", got, want)
	}
	_, err = store.Stat("gone.bin")
	wantCode(t, err, wire.NotFound, "Stat of an expired upload")
	if fi, err := store.Stat("kept.bin"); err != nil || fi.GetSize() != 6 || fi.GetUploadCommitted() != 0 || fi.GetUploadSize() != 0 {
		t.Errorf("Stat of a stored file whose upload expired: %v, %v; want the file alone", fi, err)
	}
	if fi, err := store.Stat("paused.bin"); err != nil || fi.GetUploadCommitted() != 4 {
		t.Errorf("Stat of an upload in progress, paused past the time to live: %v, %v; want 4 bytes committed", fi, err)
	}
	_, err = store.BeginUpload(&filespb.UploadHeader{Name: "gone.bin", Size: 40, Offset: 20})
	if st := wantCode(t, err, wire.FailedPrecondition, "continuing an expired upload"); !contains(st.Message, "has expired", "start it over with offset 0") {
		t.Errorf("the status does not say the upload expired and what to do: %q", st.Message)
	}
	// The refused continuation removed the expired upload's files.
	if _, err := store.BeginUpload(&filespb.UploadHeader{Name: "gone.bin", Size: 40, Offset: 20}); err == nil || wire.StatusOf(err).Message == "" || contains(wire.StatusOf(err).Message, "has expired") {
		t.Errorf("a second continuation: %v, want one saying there is no upload to continue", err)
	}

	// The upload in progress finishes, though it was paused past the time
	// to live.
	if err := paused.Write([]byte("more")); err != nil {
		t.Fatal(err)
	}
	if _, err := paused.Finish(nil); err != nil {
		t.Fatalf("an upload in progress, paused past the time to live: %v", err)
	}
}

// TestSweepAtOpen: opening a Store removes what expired while no server ran,
// interrupted uploads and what a crash left of them (a record without data,
// data without a record, a record's temporary file), and keeps the rest.
func TestSweepAtOpen(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	dir := t.TempDir()
	store, err := filesvc.OpenStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	interrupted(t, store, "old.bin", 10)
	interrupted(t, store, "new.bin", 10)
	store.Close()
	partial := filepath.Join(dir, filesvc.ReservedName, "partial")
	for _, f := range []string{"0a0a.json", "0b0b", "0c0c.json.tmp7"} {
		if err := os.WriteFile(filepath.Join(partial, f), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-filesvc.DefaultPartialTTL - time.Hour)
	keep := reservedFilesOf(t, dir, "new.bin")
	for _, f := range reservedFilesOf(t, dir, "") {
		if !slices.Contains(keep, f) {
			if err := os.Chtimes(filepath.Join(partial, f), long, long); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := len(reservedFiles(t, dir))

	var log testio.Buffer
	store, err = filesvc.OpenStore(dir, log.Logger())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if got, want := reservedFilesOf(t, dir, ""), reservedFilesOf(t, dir, "new.bin"); !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("after opening, the reserved files are %q (of %d), want new.bin's two %q", got, before, want)
	}
	if log.Count(`msg="files: removed an expired upload" name=old.bin committed=10`) != 1 {
		t.Errorf("the removal of old.bin was not logged once:\n%s", log.String())
	}
	if got := listed(t, store); !maps.Equal(got, map[string]int64{"new.bin": 10}) {
		t.Errorf("List after opening: %v, want new.bin alone", got)
	}
}

// TestSweeper: the Store's goroutine removes an expired upload's files
// within half a time to live of its expiry, leaves an upload in progress
// alone, and ends with Close (synctest.Test fails if it outlives the
// bubble). Time in the bubble is synctest's; the files' times are the real
// clock's, so the Store's clock is the real start plus the bubble's time.
func TestSweeper(t *testing.T) {
	const ttl = 10 * time.Minute
	dir := t.TempDir()
	realStart := time.Now()
	synctest.Test(t, func(t *testing.T) {
		bubbleStart := time.Now()
		now := func() time.Time { return realStart.Add(time.Since(bubbleStart)) }
		store, err := filesvc.OpenStore(dir, nil, filesvc.PartialTTL(ttl), filesvc.WithClock(now))
		if err != nil {
			t.Fatal(err)
		}
		interrupted(t, store, "cut.bin", 10)
		inProgress, err := store.BeginUpload(&filespb.UploadHeader{Name: "slow.bin", Size: 8})
		if err != nil {
			t.Fatal(err)
		}
		want := reservedFilesOf(t, dir, "slow.bin")

		time.Sleep(ttl - time.Minute)
		synctest.Wait()
		if got := reservedFilesOf(t, dir, ""); len(got) != 4 {
			t.Errorf("before the time to live, the reserved files are %q, want both uploads' four", got)
		}
		time.Sleep(time.Minute + ttl/2 + time.Second)
		synctest.Wait()
		if got := reservedFilesOf(t, dir, ""); !slices.Equal(got, want) {
			t.Errorf("half a time to live past the expiry, the reserved files are %q, want the upload in progress's %q", got, want)
		}
		inProgress.Abandon(false)
		if err := store.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := store.Close(); err != nil {
			t.Errorf("a second Close: %v, want the first's nil", err)
		}
	})
}

// TestNoExpiry: PartialTTL(0) keeps interrupted uploads for ever and runs
// no goroutine.
func TestNoExpiry(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	c := &clock{now: time.Now()}
	store, err := filesvc.OpenStore(t.TempDir(), nil, filesvc.PartialTTL(0), filesvc.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	interrupted(t, store, "f", 3)
	c.Add(365 * 24 * time.Hour)
	if fi, err := store.Stat("f"); err != nil || fi.GetUploadCommitted() != 3 {
		t.Errorf("Stat a year later without a time to live: %v, %v", fi, err)
	}
}

// reservedFilesOf lists the files under the reserved partial directory
// that belong to the upload of name (every one for ""), by base name,
// sorted.
func reservedFilesOf(t *testing.T, dir, name string) []string {
	t.Helper()
	var out []string
	for _, p := range reservedFiles(t, dir) {
		base := filepath.Base(p)
		if name == "" || strings.HasPrefix(base, filesvc.KeyOf(name)) {
			out = append(out, base)
		}
	}
	slices.Sort(out)
	return out
}

// contains reports whether s contains every one of subs.
func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
