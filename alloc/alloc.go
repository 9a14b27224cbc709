package alloc

import "github.com/valyala/bytebufferpool"

var pool bytebufferpool.Pool

// Buffer is a pooled byte buffer; use its B field as a []byte.
type Buffer = bytebufferpool.ByteBuffer

// Get returns an empty buffer from the pool.
func Get() *Buffer { return pool.Get() }

// Put returns b to the pool. b must not be used afterwards.
func Put(b *Buffer) {
	if b != nil {
		pool.Put(b)
	}
}
