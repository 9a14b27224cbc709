// Package cache is an in-process key-value cache with a time to live per
// entry and a bound on its size, safe for concurrent use: the design's
// Cache::new and set(key, value, ttl).
//
//	c := cache.New[int32, World](cache.Config{MaxEntries: 10000})
//	c.Set(42, w, time.Minute)
//	w, ok := c.Get(42)
//
// What runs where: every call runs on the caller's goroutine and returns
// without waiting for anything but a shard's lock, held for a map access
// and a few stores. There is no background goroutine, so nothing needs
// closing: an entry past its time to live is a miss from then on and its
// slot is reused by a later Set (or freed at once by DeleteExpired).
//
// Size: the entries are spread over shards by a hash of the key, each shard
// holding its share of MaxEntries. A Set into a full shard evicts one entry
// of that shard, chosen by CLOCK (second chance): an expired entry, or one
// not read since the hand last passed it. Reads only set a flag, under the
// shard's read lock, so concurrent readers do not serialise.
//
// How long data lives: values are stored and returned by copy (a value of
// pointer or slice type shares what it points to, which the cache never
// touches); an entry lives until it expires, is deleted, is overwritten or
// is evicted.
package cache
