package cache

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// advance moves the cache's clock forward by d, as if d had passed.
func (c *Cache[K, V]) advance(d time.Duration) { c.epoch = c.epoch.Add(-d) }

func TestGetSetDelete(t *testing.T) {
	c := New[string, int](Config{})
	if _, ok := c.Get("a"); ok {
		t.Fatal("Get on an empty cache hit")
	}
	c.Set("a", 1, 0)
	c.Set("b", 2, time.Hour)
	c.Set("a", 3, time.Hour) // overwrite
	tests := []struct {
		key  string
		want int
		ok   bool
	}{{"a", 3, true}, {"b", 2, true}, {"c", 0, false}}
	for _, tt := range tests {
		if v, ok := c.Get(tt.key); v != tt.want || ok != tt.ok {
			t.Errorf("Get(%q) = %d, %v; want %d, %v", tt.key, v, ok, tt.want, tt.ok)
		}
	}
	if n := c.Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
	c.Delete("a")
	c.Delete("missing")
	if _, ok := c.Get("a"); ok {
		t.Error("Get after Delete hit")
	}
	c.Set("a", 4, 0) // reuses the freed slot
	if v, _ := c.Get("a"); v != 4 || c.Len() != 2 {
		t.Errorf("after re-Set: Get = %d, Len = %d", v, c.Len())
	}
	c.Clear()
	if _, ok := c.Get("b"); ok || c.Len() != 0 {
		t.Errorf("after Clear: hit %v, Len %d", ok, c.Len())
	}
	c.Set("b", 5, 0)
	if v, ok := c.Get("b"); !ok || v != 5 {
		t.Errorf("Set after Clear: %d, %v", v, ok)
	}
}

func TestExpiry(t *testing.T) {
	c := New[int, string](Config{})
	c.Set(1, "short", time.Second)
	c.Set(2, "long", time.Hour)
	c.Set(3, "forever", 0)
	c.Set(4, "negative ttl", -time.Second)
	c.advance(999 * time.Millisecond)
	if _, ok := c.Get(1); !ok {
		t.Fatal("entry expired early")
	}
	c.advance(time.Millisecond)
	if _, ok := c.Get(1); ok {
		t.Fatal("entry still served at its expiry time")
	}
	for _, k := range []int{2, 3, 4} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("entry %d expired", k)
		}
	}
	// An expired entry counts until removed; Set over it revives the key.
	if n := c.Len(); n != 4 {
		t.Errorf("Len = %d, want 4", n)
	}
	c.advance(2 * time.Hour)
	if n := c.DeleteExpired(); n != 2 {
		t.Errorf("DeleteExpired removed %d, want 2", n)
	}
	if n := c.Len(); n != 2 {
		t.Errorf("Len after DeleteExpired = %d, want 2", n)
	}
	c.Set(1, "again", time.Minute)
	if v, ok := c.Get(1); !ok || v != "again" {
		t.Errorf("Get after re-Set = %q, %v", v, ok)
	}
}

func TestBoundedSize(t *testing.T) {
	for _, cfg := range []Config{
		{MaxEntries: 1},
		{MaxEntries: 100},
		{MaxEntries: 1000, Shards: 7},    // rounded down to 4
		{MaxEntries: 10, Shards: 64},     // more shards than entries
		{MaxEntries: 10000, Shards: 256}, // the bench server's shape
	} {
		t.Run(fmt.Sprint(cfg.MaxEntries, "/", cfg.Shards), func(t *testing.T) {
			c := New[int, int](cfg)
			if got := len(c.shards); got&(got-1) != 0 || got > cfg.MaxEntries {
				t.Errorf("%d shards", got)
			}
			total := 0
			for i := range c.shards {
				total += c.shards[i].max
			}
			if total != cfg.MaxEntries {
				t.Errorf("capacity %d, want %d", total, cfg.MaxEntries)
			}
			for i := range 10 * cfg.MaxEntries {
				c.Set(i, i, 0)
				if i%7 == 0 {
					c.Get(i / 2)
				}
			}
			if n := c.Len(); n != cfg.MaxEntries {
				t.Errorf("Len = %d after %d Sets, want %d", n, 10*cfg.MaxEntries, cfg.MaxEntries)
			}
			// The newest entry is always present.
			if v, ok := c.Get(10*cfg.MaxEntries - 1); !ok || v != 10*cfg.MaxEntries-1 {
				t.Errorf("newest entry: %d, %v", v, ok)
			}
		})
	}
}

// TestEviction follows the CLOCK hand on one shard.
func TestEviction(t *testing.T) {
	t.Run("second chance", func(t *testing.T) {
		c := New[string, int](Config{MaxEntries: 4, Shards: 1})
		for i, k := range []string{"a", "b", "c", "d"} {
			c.Set(k, i, 0)
		}
		c.Get("a") // a is read, so the hand spares it once
		c.Set("e", 4, 0)
		want := map[string]bool{"a": true, "b": false, "c": true, "d": true, "e": true}
		for k, present := range want {
			if _, ok := c.Get(k); ok != present {
				t.Errorf("%s present = %v, want %v", k, ok, present)
			}
		}
	})
	t.Run("expired first", func(t *testing.T) {
		c := New[string, int](Config{MaxEntries: 3, Shards: 1})
		c.Set("a", 0, 0)
		c.Set("b", 1, 0)
		c.Set("c", 2, time.Second)
		for _, k := range []string{"a", "b", "c"} {
			c.Get(k)
		}
		c.advance(time.Minute)
		c.Set("d", 3, 0) // a and b are read and live: c goes
		for k, present := range map[string]bool{"a": true, "b": true, "c": false, "d": true} {
			if _, ok := c.Get(k); ok != present {
				t.Errorf("%s present = %v, want %v", k, ok, present)
			}
		}
	})
}

// TestConcurrent runs readers, writers and deleters on overlapping keys;
// under -race it also checks the locking.
func TestConcurrent(t *testing.T) {
	before := runtime.NumGoroutine()
	c := New[int, [2]int](Config{MaxEntries: 512, Shards: 8})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20000 {
				k := (i*7 + g*131) % 1024
				switch i % 10 {
				case 0:
					c.Delete(k)
				case 1, 2, 3:
					c.Set(k, [2]int{k, -k}, time.Duration(i%3)*time.Millisecond)
				case 4:
					if i%1000 == 4 {
						c.DeleteExpired()
						if n := c.Len(); n > 512 {
							errs <- fmt.Errorf("Len %d > 512", n)
							return
						}
					}
				default:
					if v, ok := c.Get(k); ok && v != [2]int{k, -k} {
						errs <- fmt.Errorf("Get(%d) = %v", k, v)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := c.Len(); n > 512 {
		t.Errorf("Len %d > 512", n)
	}
	// The workers are done but may not have exited yet: wait, then
	// require that the cache started none of its own.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("goroutines: %d before, %d after", before, after)
	}
}

func BenchmarkGet(b *testing.B) {
	c := New[int32, [2]int32](Config{MaxEntries: 10000})
	for i := range int32(10000) {
		c.Set(i, [2]int32{i, i}, time.Hour)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int32(0)
		for pb.Next() {
			c.Get(i)
			i = (i + 7919) % 10000
		}
	})
}

func BenchmarkSet(b *testing.B) {
	c := New[int32, [2]int32](Config{MaxEntries: 4096})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int32(0)
		for pb.Next() {
			c.Set(i, [2]int32{i, i}, time.Hour)
			i = (i + 7919) % 10000
		}
	})
}
