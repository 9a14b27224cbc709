//go:build !amd64 || purego

package http1

// Without the vector classifier the byte-at-a-time field loop is faster
// than classifying in bulk; tests may still turn fastFields on.
var fastFields = false

const (
	hasClassify = false
	classifyMin = 0
)

func classify(w []byte, name, val *[scanWords]uint64) { classifyGeneric(w, name, val) }
