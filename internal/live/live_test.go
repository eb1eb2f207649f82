package live

import (
	"sync"
	"testing"
)

func TestBroker(t *testing.T) {
	var b Broker
	a1, stop1 := b.Subscribe("alice")
	a2, stop2 := b.Subscribe("alice")
	bob, stopBob := b.Subscribe("bob")
	defer stopBob()

	b.Publish("alice")
	b.Publish("alice") // merges with the first
	for i, ch := range []<-chan struct{}{a1, a2} {
		select {
		case <-ch:
		default:
			t.Fatalf("subscriber %d heard nothing", i)
		}
		select {
		case <-ch:
			t.Fatalf("subscriber %d heard two notices", i)
		default:
		}
	}
	select {
	case <-bob:
		t.Fatal("bob heard alice's notice")
	default:
	}
	stop1()
	if n := b.Subscribers("alice"); n != 1 {
		t.Fatalf("%d subscribers after one stopped", n)
	}
	stop2()
	if n := b.Subscribers("alice"); n != 0 {
		t.Fatalf("%d subscribers after both stopped", n)
	}
	b.Publish("alice") // nobody listens: no panic, no block

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch, stop := b.Subscribe("carol")
			b.Publish("carol")
			<-ch
			stop()
		}()
	}
	wg.Wait()
}

// One member opening streams without end keeps at most MaxPerMember; the
// oldest is told to go (its channel closes).
func TestSubscriptionsBounded(t *testing.T) {
	var b Broker
	first, stopFirst := b.Subscribe("mallory")
	var stops []func()
	for range 1000 {
		_, stop := b.Subscribe("mallory")
		stops = append(stops, stop)
	}
	if n := b.Subscribers("mallory"); n != MaxPerMember {
		t.Fatalf("%d subscriptions kept, want %d", n, MaxPerMember)
	}
	if _, open := <-first; open {
		t.Fatal("the oldest subscription was not closed")
	}
	stopFirst() // after being pushed out: no panic, no effect
	for _, stop := range stops {
		stop()
	}
	if n := b.Subscribers("mallory"); n != 0 {
		t.Fatalf("%d left", n)
	}
}
