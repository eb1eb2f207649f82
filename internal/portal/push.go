package portal

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/webpush"
)

// serviceWorker serves /sw.js from the root, so its scope is the whole
// portal.
func serviceWorker() http.Handler {
	static, _ := fs.Sub(staticFS, "static")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(static, "sw.js")
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	})
}

// subscription is a browser's PushSubscription.toJSON().
type subscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// pushID is the stored ID of a subscription: the hash of its endpoint.
func pushID(endpoint string) string { return ids.SecretHash(endpoint) }

func (p *Portal) pushSubscribe(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	if p.d.PushKey == "" {
		return &pageError{Status: http.StatusNotFound, Title: "Push is off", Message: "This server does not send push notifications."}
	}
	var sub subscription
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 8<<10))
	if err == nil {
		err = json.Unmarshal(body, &sub)
	}
	bad := func(cause error) error {
		return &pageError{Status: http.StatusBadRequest, Title: "Not subscribed", Message: "This browser's notification subscription cannot be used. Try again, or choose email notifications.", Cause: cause}
	}
	if err != nil {
		return bad(err)
	}
	if err := webpush.CheckEndpoint(r.Context(), p.d.PushEgress, sub.Endpoint); err != nil {
		return bad(err)
	}
	p256, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(sub.Keys.P256dh, "="))
	auth, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(sub.Keys.Auth, "="))
	if err := errors.Join(err1, err2); err != nil || len(p256) != 65 || len(auth) != 16 {
		return bad(err)
	}
	ctx := r.Context()
	err = p.d.Store.Update(ctx, func(tx store.Tx) error {
		now := p.now()
		ps := store.PushSubscription{ID: pushID(sub.Endpoint), TenantID: s.member.TenantID, MemberID: s.member.ID,
			Endpoint: sub.Endpoint, P256dh: p256, Auth: auth, UserAgent: truncate(r.UserAgent(), 200), CreatedAt: now}
		if err := tx.PutPushSubscription(ctx, ps); errors.Is(err, store.ErrConflict) {
			// Knowing an endpoint must not move someone's notices to you.
			return &pageError{Status: http.StatusConflict, Title: "Not subscribed",
				Message: "This browser's push subscription belongs to another deadbolt member. They can remove it on their Notifications page. Nothing was changed.", Cause: err}
		} else if err != nil {
			return err
		}
		m, err := tx.Member(ctx, s.member.ID)
		if err != nil {
			return err
		}
		if !slices.Contains(m.Channels, store.ChannelPush) {
			if m.Channels == nil { // keep the default email alongside
				m.Channels = []string{store.ChannelEmail}
			}
			m.Channels, m.UpdatedAt = append(m.Channels, store.ChannelPush), now
			if err := tx.UpdateMember(ctx, m); err != nil {
				return err
			}
		}
		return store.AppendAudit(ctx, tx, m.TenantID, s.actor(), "push.subscribed", "member:"+m.ID,
			map[string]any{"subscription": ps.ID, "user_agent": ps.UserAgent}, now)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"redirect": "/settings?done=push"})
	return nil
}

// pushDelete forgets one of the member's push subscriptions (the settings
// page's Remove, or the script when a browser unsubscribes).
func (p *Portal) pushDelete(w http.ResponseWriter, r *http.Request) error {
	s, ok, err := p.requireSession(w, r)
	if !ok {
		return err
	}
	id := r.PathValue("id")
	ctx := r.Context()
	err = p.d.Store.Update(ctx, func(tx store.Tx) error {
		subs, err := tx.PushSubscriptions(ctx, s.member.ID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(subs, func(x store.PushSubscription) bool { return x.ID == id }) {
			return store.ErrNotFound
		}
		if err := tx.DeletePushSubscription(ctx, id); err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, s.member.TenantID, s.actor(), "push.unsubscribed", "member:"+s.member.ID,
			map[string]any{"subscription": id}, p.now())
	})
	if err != nil {
		return err
	}
	return seeOther(w, r, "/settings?done=saved")
}
