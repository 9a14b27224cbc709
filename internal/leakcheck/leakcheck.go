// Package leakcheck fails a test binary whose tests leave goroutines of
// this module running: every server a test starts must be shut down, and
// every handler goroutine must end.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// module is the import path prefix of the code whose goroutines count.
const module = "github.com/chopin-go/chopin/"

// Main runs the tests, then waits up to five seconds for goroutines
// running this module's code to end, and fails the run if some remain.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := wait(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// wait polls until no goroutine of ours is left and returns the stacks of
// those that stay past limit.
func wait(limit time.Duration) string {
	deadline := time.Now().Add(limit)
	for {
		leaked := ours()
		if leaked == "" || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(10 * time.Millisecond) // polling, not asserting
	}
}

// ours returns the stacks of goroutines running module code, other than
// the test runner's and this one.
func ours() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // this goroutine
			continue
		}
		if strings.Contains(g, module) && !strings.Contains(g, "testing.(*M)") &&
			!strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
