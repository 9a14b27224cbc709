package fallback

import "sync"

// bufPool holds response buffers: the body buffer (up to streamChunk) and
// the wire buffer (a header plus one framed chunk), so both start with room
// for a chunk and a typical header. Buffers that grew far beyond that are
// left to the garbage collector.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, pooledBuf)
	return &b
}}

const (
	pooledBuf    = streamChunk + 4<<10
	maxPooledBuf = 4 * pooledBuf
)

func getBuf() []byte { return (*bufPool.Get().(*[]byte))[:0] }

func putBuf(b []byte) {
	if b == nil || cap(b) < pooledBuf || cap(b) > maxPooledBuf {
		return
	}
	b = b[:0]
	bufPool.Put(&b)
}
