package bufpool

import "testing"

func TestGetClasses(t *testing.T) {
	for _, tc := range []struct{ n, cap int }{
		{0, 512}, {1, 512}, {512, 512}, {513, 1024}, {16384, 16384}, {16385, 32768},
		{1 << 24, 1 << 24}, {1<<24 + 1, 1<<24 + 1},
	} {
		bp := Get(tc.n)
		if len(*bp) != tc.n || cap(*bp) != tc.cap {
			t.Errorf("Get(%d): len %d cap %d, want len %d cap %d", tc.n, len(*bp), cap(*bp), tc.n, tc.cap)
		}
		Put(bp)
	}
}

func TestPutGetReuses(t *testing.T) {
	// sync.Pool may drop items at any GC, so only check that a Put buffer
	// comes back with the right length when it does come back.
	bp := Get(1000)
	(*bp)[0] = 42
	Put(bp)
	bp2 := Get(700)
	if len(*bp2) != 700 || cap(*bp2) != 1024 {
		t.Fatalf("len %d cap %d", len(*bp2), cap(*bp2))
	}
}

func TestPutForeignIgnored(t *testing.T) {
	b := make([]byte, 10, 1000) // not a class size
	Put(&b)
	Put(nil)
}

func BenchmarkGetPut(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Put(Get(16384))
	}
}

func TestSliceRoundTrip(t *testing.T) {
	b := GetSlice(3000)
	if len(b) != 3000 || cap(b) != 4096 {
		t.Fatalf("len %d cap %d", len(b), cap(b))
	}
	PutSlice(b)
	PutSlice(make([]byte, 10, 100)) // not a class: dropped
	if n := testing.AllocsPerRun(100, func() { PutSlice(GetSlice(1000)) }); n > 0 {
		t.Errorf("GetSlice/PutSlice allocate %v times per round", n)
	}
}
