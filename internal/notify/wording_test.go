package notify_test

import (
	"errors"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestWord: each type reaches its own wording with its payload decoded;
// a payload that does not decode, a type the wording lacks and a wording
// that fails are permanent.
func TestWord(t *testing.T) {
	fail := errors.New("template broke")
	w := notify.Wording[string]{
		Raised:      func(n notify.Notice) (string, error) { return "raised " + n.Account, nil },
		Asked:       func(n notify.Notice) (string, error) { return "asked " + n.Account, nil },
		Decided:     func(n notify.Notice) (string, error) { return "decided " + n.Account, nil },
		Recovery:    func(r notify.Recovery) (string, error) { return "recovery " + r.By, nil },
		BreakGlass:  func(b notify.BreakGlass) (string, error) { return "breakglass " + b.Account, nil },
		PolicyAlert: func(a notify.PolicyAlert) (string, error) { return "", fail },
	}
	for _, c := range []struct {
		typ, payload, want string
		permanent          bool
	}{
		{notify.TypeRequestRaised, `{"account":"alice"}`, "raised alice", false},
		{notify.TypeApprovalAsked, `{"account":"bob"}`, "asked bob", false},
		{notify.TypeRequestDecided, `{"account":"carol"}`, "decided carol", false},
		{notify.TypeRecovery, `{"by":"member:1"}`, "recovery member:1", false},
		{notify.TypeBreakGlass, `{"account":"dave"}`, "breakglass dave", false},
		{notify.TypePolicyAlert, `{"policy":"p"}`, "", true}, // the wording fails
		{notify.TypeEmailVerify, `{}`, "", true},             // not worded by w
		{notify.TypeRecovery, `[`, "", true},                 // does not decode
		{"account.locked", `{"account":"alice"}`, "", true},  // not a notice
	} {
		got, err := notify.Word(store.OutboxMessage{Type: c.typ, Payload: []byte(c.payload)}, w)
		if c.permanent {
			if !errors.Is(err, notify.ErrPermanent) {
				t.Errorf("Word(%s %s) = %q, %v; want ErrPermanent", c.typ, c.payload, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Word(%s %s) = %q, %v; want %q", c.typ, c.payload, got, err, c.want)
		}
	}
}
