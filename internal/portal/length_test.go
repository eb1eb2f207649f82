package portal_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// badLengths are unlock lengths a person can type that must be refused
// with a 400 that changes nothing (the application allows 1 h at most).
var badLengths = []string{
	"307445734561825861", // minutes that overflow to about one minute
	"9223372036854775807",
	"153722867280912931",                      // minutes that overflow to a negative length
	"1000000 days", "106751 days 106751 days", // days that overflow
	"0", "-5", "0s", "-1h", "61", "2h", "1h0m1s", "soon", "1e3", "9999999999999999999999",
}

// TestUnlockLengthValidated: the portal's unlock and approve refuse every
// length that is not positive and within the application's maximum,
// including numbers of minutes that overflow, and open nothing.
func TestUnlockLengthValidated(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	alice := e.account("alice")
	for _, v := range badLengths {
		for _, field := range []string{"for", "custom"} {
			if r := e.do("POST", "/accounts/"+alice.ID+"/unlock", url.Values{field: {v}}, cookie); r.code != http.StatusBadRequest {
				t.Errorf("unlock %s=%q: %d, want 400", field, v, r.code)
			}
		}
	}
	if g, err := e.store.CurrentGrant(t.Context(), alice.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused unlock opened the account: %+v %v", g, err)
	}

	st, _ := e.store.CheckState(t.Context(), e.app.ID, "alice")
	if err := e.requests.Raise(t.Context(), e.app, st, check.Request{IP: "203.0.113.9"}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	q, _ := e.store.PendingRequest(t.Context(), alice.ID)
	for _, v := range badLengths {
		if r := e.do("POST", "/requests/"+q.ID+"/approve", url.Values{"for": {v}}, cookie); r.code != http.StatusBadRequest {
			t.Errorf("approve for=%q: %d, want 400", v, r.code)
		}
	}
	if g, err := e.store.CurrentGrant(t.Context(), alice.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused approval opened the account: %+v %v", g, err)
	}
	if q, _ := e.store.UnlockRequest(t.Context(), q.ID); q.Status != store.RequestPending {
		t.Fatalf("a refused approval answered the request: %+v", q)
	}
	// Lengths in range still work: whole minutes, and the maximum itself.
	if r := e.do("POST", "/requests/"+q.ID+"/approve", url.Values{"for": {"60"}}, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("approve for 60 minutes: %d", r.code)
	}
	if g, _ := e.store.CurrentGrant(t.Context(), alice.ID); !g.Until.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("approved until %v, want an hour from now", g.Until)
	}
}
