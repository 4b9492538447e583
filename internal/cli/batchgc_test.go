package cli

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// TestBatchGC checks that a batch job runs with the collector off up to
// batchGCLimit, that restore puts the previous settings back, and that a
// GOGC or GOMEMLIMIT the user set is left alone.
func TestBatchGC(t *testing.T) {
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		if _, ok := os.LookupEnv(v); ok {
			t.Skipf("%s is set in the test's environment", v)
		}
	}
	prevPercent := debug.SetGCPercent(150)
	prevLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	}()

	gc := startBatchGC()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("during the job GC percent is %d; want -1 (off)", p)
	}
	wantLimit := prevLimit
	if prevLimit == math.MaxInt64 { // no limit: the job sets its own
		wantLimit = batchGCLimit
	}
	if l := debug.SetMemoryLimit(-1); l != wantLimit {
		t.Errorf("during the job the memory limit is %d; want %d", l, wantLimit)
	}
	gc.parsed()
	gc.restore()
	if p := debug.SetGCPercent(-1); p != 150 {
		t.Errorf("after restore GC percent is %d; want 150", p)
	}
	debug.SetGCPercent(150)
	if l := debug.SetMemoryLimit(-1); l != prevLimit {
		t.Errorf("after restore the memory limit is %d; want %d", l, prevLimit)
	}

	t.Setenv("GOGC", "100")
	gc = startBatchGC()
	if p := debug.SetGCPercent(-1); p != 150 {
		t.Errorf("with GOGC set by the user GC percent is %d; want 150 (unchanged)", p)
	}
	debug.SetGCPercent(150)
	gc.restore()
}
