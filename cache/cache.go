package cache

import (
	"hash/maphash"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Config; a zero field means its default.
const (
	DefaultMaxEntries = 1 << 16
	// maxDefaultShards caps the default of 16 shards per core: more
	// shards than cores gives writers of different keys little reason to
	// meet, and past a few hundred they only cost memory.
	maxDefaultShards = 256
)

// Config configures a Cache. The zero value is usable: each zero field
// means its default.
type Config struct {
	// MaxEntries bounds the number of entries; a Set past it evicts one.
	// 0 means DefaultMaxEntries.
	MaxEntries int
	// Shards is how many independently locked parts the cache has,
	// rounded down to a power of two and to at most MaxEntries. 0 means
	// 16 per core, at most 256.
	Shards int
}

func (c Config) withDefaults() Config {
	if c.MaxEntries <= 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.Shards <= 0 {
		c.Shards = min(16*runtime.GOMAXPROCS(0), maxDefaultShards)
	}
	c.Shards = min(c.Shards, c.MaxEntries)
	c.Shards = 1 << (bits.Len(uint(c.Shards)) - 1) // a power of two
	return c
}

// Cache maps keys to values that expire. It is safe for concurrent use; the
// zero Cache is not usable, make one with New.
type Cache[K comparable, V any] struct {
	seed   maphash.Seed
	mask   uint64
	epoch  time.Time // expiry times are monotonic nanoseconds since epoch
	shards []shard[K, V]
}

// shard is one locked part of the cache. Its slots never grow past the
// capacity fixed at New; index maps a key to its slot.
type shard[K comparable, V any] struct {
	mu    sync.RWMutex
	index map[K]int32
	slots []slot[K, V]
	free  []int32 // slots emptied by Delete or DeleteExpired
	hand  int     // CLOCK hand: the next slot to consider for eviction
	max   int
	_     [40]byte // keep neighbouring shards' locks off one cache line
}

type slot[K comparable, V any] struct {
	key     K
	value   V
	expires int64       // nanoseconds since the cache's epoch; 0: never
	ref     atomic.Bool // read since the CLOCK hand last passed
	used    bool
}

// New returns an empty cache.
func New[K comparable, V any](cfg Config) *Cache[K, V] {
	cfg = cfg.withDefaults()
	c := &Cache[K, V]{
		seed:   maphash.MakeSeed(),
		mask:   uint64(cfg.Shards - 1),
		epoch:  time.Now(),
		shards: make([]shard[K, V], cfg.Shards),
	}
	per, extra := cfg.MaxEntries/cfg.Shards, cfg.MaxEntries%cfg.Shards
	for i := range c.shards {
		s := &c.shards[i]
		s.max = per
		if i < extra {
			s.max++
		}
		s.index = make(map[K]int32, s.max)
		s.slots = make([]slot[K, V], 0, s.max)
	}
	return c
}

func (c *Cache[K, V]) shard(k K) *shard[K, V] {
	return &c.shards[maphash.Comparable(c.seed, k)&c.mask]
}

// now is the monotonic clock the expiry times use; it never goes back,
// whatever happens to the wall clock.
func (c *Cache[K, V]) now() int64 { return int64(time.Since(c.epoch)) }

// Get returns the value stored under k and true, or the zero value and
// false if there is none or it has expired.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	s := c.shard(k)
	s.mu.RLock()
	i, ok := s.index[k]
	if !ok {
		s.mu.RUnlock()
		var zero V
		return zero, false
	}
	e := &s.slots[i]
	if e.expires != 0 && e.expires <= c.now() {
		s.mu.RUnlock()
		var zero V
		return zero, false
	}
	v := e.value
	if !e.ref.Load() { // a store only when it changes: readers share the line
		e.ref.Store(true)
	}
	s.mu.RUnlock()
	return v, true
}

// Set stores v under k for ttl; ttl <= 0 means the entry never expires
// (it can still be evicted). If the key's shard is full, one of its other
// entries is evicted first.
func (c *Cache[K, V]) Set(k K, v V, ttl time.Duration) {
	now := c.now()
	var expires int64
	if ttl > 0 {
		expires = max(now+int64(ttl), 1)
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[k]; ok {
		e := &s.slots[i]
		e.value, e.expires = v, expires
		e.ref.Store(true)
		return
	}
	i := s.take(now)
	if i < 0 {
		return // a shard of capacity 0 (MaxEntries < Shards cannot happen)
	}
	e := &s.slots[i]
	e.key, e.value, e.expires, e.used = k, v, expires, true
	e.ref.Store(false) // new entries are the first candidates: a scan does not flush the cache
	s.index[k] = i
}

// take returns a slot for a new entry: a free one, a new one while under
// capacity, or one evicted by the CLOCK hand. Called with s.mu held.
func (s *shard[K, V]) take(now int64) int32 {
	if n := len(s.free); n > 0 {
		i := s.free[n-1]
		s.free = s.free[:n-1]
		return i
	}
	if len(s.slots) < s.max {
		s.slots = append(s.slots, slot[K, V]{})
		return int32(len(s.slots) - 1)
	}
	if len(s.slots) == 0 {
		return -1
	}
	// Every slot is used here (free is empty), so within two turns the
	// hand finds one whose flag it cleared on the first.
	for {
		i := s.hand
		s.hand++
		if s.hand == len(s.slots) {
			s.hand = 0
		}
		e := &s.slots[i]
		expired := e.expires != 0 && e.expires <= now
		if !expired && e.ref.Load() {
			e.ref.Store(false)
			continue
		}
		s.clear(int32(i))
		return int32(i)
	}
}

// clear empties slot i, releasing what its key and value refer to.
func (s *shard[K, V]) clear(i int32) {
	e := &s.slots[i]
	delete(s.index, e.key)
	var zk K
	var zv V
	e.key, e.value, e.expires, e.used = zk, zv, 0, false
	e.ref.Store(false)
}

// Delete removes the entry stored under k, if any.
func (c *Cache[K, V]) Delete(k K) {
	s := c.shard(k)
	s.mu.Lock()
	if i, ok := s.index[k]; ok {
		s.clear(i)
		s.free = append(s.free, i)
	}
	s.mu.Unlock()
}

// DeleteExpired removes every expired entry and returns how many it
// removed. Expired entries are never returned in any case; this only
// releases what they hold sooner than eviction would. It locks one shard
// at a time.
func (c *Cache[K, V]) DeleteExpired() int {
	n := 0
	now := c.now()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for j := range s.slots {
			e := &s.slots[j]
			if e.used && e.expires != 0 && e.expires <= now {
				s.clear(int32(j))
				s.free = append(s.free, int32(j))
				n++
			}
		}
		s.mu.Unlock()
	}
	return n
}

// Len returns the number of entries held, expired ones included until they
// are evicted or deleted.
func (c *Cache[K, V]) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.index)
		s.mu.RUnlock()
	}
	return n
}

// Clear removes every entry.
func (c *Cache[K, V]) Clear() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.index)
		clear(s.slots)
		s.slots, s.free, s.hand = s.slots[:0], s.free[:0], 0
		s.mu.Unlock()
	}
}
