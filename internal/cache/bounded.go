package cache

// bounded is a map with a cap, and the cache's one eviction rule: a put
// that would pass the cap first drops about an eighth of the entries,
// whichever Go's map iteration gives first. Tracking recency would cost a
// write lock on every hit, and the lock check's reads are spread evenly
// enough that recency would buy little. It is not safe for concurrent use:
// the Cache's mutex guards it.
type bounded[K comparable, V any] struct {
	m   map[K]V
	max int
	// dropped, if set, hears of each entry the rule evicts, so that an
	// index over the entries stays true.
	dropped func(K, V)
}

func newBounded[K comparable, V any](max int, dropped func(K, V)) bounded[K, V] {
	return bounded[K, V]{m: map[K]V{}, max: max, dropped: dropped}
}

func (b *bounded[K, V]) get(k K) (V, bool) {
	v, ok := b.m[k]
	return v, ok
}

// put keeps v under k, evicting first if the map is full.
func (b *bounded[K, V]) put(k K, v V) {
	if _, ok := b.m[k]; !ok && len(b.m) >= b.max {
		n := max(len(b.m)/8, 1)
		for old, ov := range b.m {
			if n == 0 {
				break
			}
			delete(b.m, old)
			if b.dropped != nil {
				b.dropped(old, ov)
			}
			n--
		}
	}
	b.m[k] = v
}

// del removes k and returns what it held.
func (b *bounded[K, V]) del(k K) (V, bool) {
	v, ok := b.m[k]
	if ok {
		delete(b.m, k)
	}
	return v, ok
}

func (b *bounded[K, V]) clear() { clear(b.m) }

func (b *bounded[K, V]) len() int { return len(b.m) }
