//go:build !race

package cache

import (
	"testing"
	"time"
)

func TestAllocs(t *testing.T) {
	c := New[int32, [2]int32](Config{MaxEntries: 1024})
	i := int32(0)
	set := testing.AllocsPerRun(1000, func() {
		c.Set(i, [2]int32{i, i}, time.Minute) // past 1024: evicts
		i++
	})
	get := testing.AllocsPerRun(1000, func() { c.Get(i % 2048) })
	if set != 0 || get != 0 {
		t.Errorf("allocations: Set %v, Get %v; want 0", set, get)
	}
}
