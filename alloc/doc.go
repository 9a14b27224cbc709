// Package alloc holds the engine's buffer pools and the Go runtime settings
// of the design's performance checklist.
//
// Buffers come from valyala/bytebufferpool, which calibrates the size it
// hands out to the sizes actually used, so pooled buffers neither keep
// growing nor start too small. A buffer taken with Get belongs to the caller
// until Put; never use it after Put.
package alloc
