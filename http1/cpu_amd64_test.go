//go:build !purego

package http1

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// haveAVX2 must agree with x/sys/cpu, which the package does not import.
func TestHaveAVX2MatchesXSys(t *testing.T) {
	if got, want := haveAVX2(), cpu.X86.HasAVX2; got != want {
		t.Fatalf("haveAVX2() = %v, golang.org/x/sys/cpu says %v", got, want)
	}
}
