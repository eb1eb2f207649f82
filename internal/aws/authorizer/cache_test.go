package authorizer

import (
	"fmt"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
)

func TestCacheIsBoundedAndExpires(t *testing.T) {
	c := newCache(time.Minute, 1000)
	now := time.Now()
	for i := range 1_000_000 {
		c.put(fmt.Sprint("user-", i), client.Decision{}, now)
	}
	if n := c.len(); n != 1000 {
		t.Fatalf("after a million accounts the cache holds %d answers, want its bound 1000", n)
	}
	if _, ok := c.get("user-0", now); ok {
		t.Fatal("the least recently used answer was kept")
	}
	if _, ok := c.get("user-999999", now); !ok {
		t.Fatal("the newest answer was dropped")
	}
	if _, ok := c.get("user-999999", now.Add(time.Minute)); ok {
		t.Fatal("an answer outlived its time")
	}
}
