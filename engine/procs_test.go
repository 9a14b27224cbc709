package engine

import (
	"io"
	"net/http"
	"runtime"
	"testing"
)

// TestSpareProc: the engine raises GOMAXPROCS to loops+1 once, and servers
// started after it with Loops 0 get the loops the first one got, not one
// more each time.
func TestSpareProc(t *testing.T) {
	orig := runtime.GOMAXPROCS(0)
	procs.Lock()
	set, from := procs.set, procs.from
	procs.Unlock()
	t.Cleanup(func() {
		procs.Lock()
		procs.set, procs.from = set, from
		procs.Unlock()
		runtime.GOMAXPROCS(orig)
	})
	runtime.GOMAXPROCS(2)
	procs.Lock()
	procs.set, procs.from = 0, 0
	procs.Unlock()

	loops := defaultLoops()
	if loops != 2 {
		t.Fatalf("defaultLoops = %d, want GOMAXPROCS (2)", loops)
	}
	if from, raised := spareProc(loops); !raised || from != 2 || runtime.GOMAXPROCS(0) != 3 {
		t.Fatalf("spareProc(2) = %d, %v; GOMAXPROCS %d; want 2, true; 3", from, raised, runtime.GOMAXPROCS(0))
	}
	if again := defaultLoops(); again != 2 {
		t.Errorf("defaultLoops after the raise = %d, want 2", again)
	}
	if _, raised := spareProc(2); raised || runtime.GOMAXPROCS(0) != 3 {
		t.Errorf("a second server with 2 loops raised GOMAXPROCS to %d", runtime.GOMAXPROCS(0))
	}
	if from, raised := spareProc(4); !raised || from != 3 || runtime.GOMAXPROCS(0) != 5 {
		t.Errorf("spareProc(4) = %d, %v; GOMAXPROCS %d; want 3, true; 5", from, raised, runtime.GOMAXPROCS(0))
	}
	if again := defaultLoops(); again != 2 {
		t.Errorf("defaultLoops = %d, want the GOMAXPROCS before any raise (2)", again)
	}
	// Set by someone else: the engine's memory no longer applies.
	runtime.GOMAXPROCS(6)
	if n := defaultLoops(); n != 6 {
		t.Errorf("defaultLoops = %d after GOMAXPROCS was set to 6", n)
	}
}

// TestSpareProcOnFirstFallback: a server adds the spare P when it first
// hands a request to the fallback, not while it serves FastRoutes and
// loop handlers only.
func TestSpareProcOnFirstFallback(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/fb", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fb") })
	cfg, _ := fallbackConfig(mux)
	s := startTest(t, cfg, testRoutes())
	c := dial(t, s)
	for _, path := range []string{"/plaintext", "/json"} {
		c.send(get(path))
		c.read("GET")
	}
	if s.spared.Load() {
		t.Fatal("spare P added before any request went to the fallback")
	}
	c.send(get("/fb"))
	if _, body := c.read("GET"); body != "fb" {
		t.Fatalf("fallback answered %q", body)
	}
	if !s.spared.Load() {
		t.Error("no spare P after a request went to the fallback")
	}
}
