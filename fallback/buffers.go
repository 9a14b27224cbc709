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

// getBuf returns a pooled buffer, empty, in the box it travels in: putting
// that same box back costs no allocation, boxing a new one would.
func getBuf() *[]byte {
	box := bufPool.Get().(*[]byte)
	*box = (*box)[:0]
	return box
}

// putBuf returns b to the pool in box, unless b is nil (it went elsewhere)
// or its size is not worth keeping.
func putBuf(box *[]byte, b []byte) {
	if box == nil || b == nil || cap(b) < pooledBuf || cap(b) > maxPooledBuf {
		return
	}
	*box = b[:0]
	bufPool.Put(box)
}
