package engine

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the package if any goroutine of ours outlives the tests:
// every server a test starts must be shut down, and every handler goroutine
// must end.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := waitForOurGoroutines(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitForOurGoroutines waits until no goroutine runs code of this module
// (other than the test runner), and returns the stacks of those that stay.
func waitForOurGoroutines(limit time.Duration) string {
	deadline := time.Now().Add(limit)
	for {
		leaked := ourGoroutines()
		if leaked == "" || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ourGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "chopin-go/chopin/") &&
			!strings.Contains(g, "testing.(*M)") && !strings.Contains(g, "ourGoroutines") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
