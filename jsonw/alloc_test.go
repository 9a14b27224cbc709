//go:build !race

// The race detector allocates on its own account, so these checks run
// only without it (make test runs them separately).

package jsonw

import "testing"

func TestAppendStringAllocs(t *testing.T) {
	in := "Hello, \"World\"!\n\xff\u2028 café"
	dst := make([]byte, 0, 128)
	if n := testing.AllocsPerRun(100, func() { dst = AppendString(dst[:0], in) }); n != 0 {
		t.Errorf("AppendString: %v allocs/op with enough capacity, want 0", n)
	}
	b := []byte(in)
	if n := testing.AllocsPerRun(100, func() { dst = AppendBytes(dst[:0], b) }); n != 0 {
		t.Errorf("AppendBytes: %v allocs/op with enough capacity, want 0", n)
	}
}
