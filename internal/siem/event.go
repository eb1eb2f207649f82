package siem

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// event is what the carriers say of one streamed record, whatever its
// kind.
type event struct {
	key    string // idempotency key
	at     time.Time
	pri    int
	msgID  string
	params [][2]string // the structured data's parameters, in order
	body   []byte      // the record's JSON, as queued
}

// decode reads an outbox message of either kind: a check decision
// (CheckMessageType) or, by default, an audit event.
func decode(m store.OutboxMessage) (event, error) {
	if m.Type == CheckMessageType {
		var c checkLine
		if err := json.Unmarshal(m.Payload, &c); err != nil {
			return event{}, fmt.Errorf("%w: siem: message %s: %v", notify.ErrPermanent, m.ID, err)
		}
		at, err := time.Parse(time.RFC3339Nano, c.At)
		if err != nil {
			return event{}, fmt.Errorf("%w: siem: message %s: at: %v", notify.ErrPermanent, m.ID, err)
		}
		decision := "unlocked"
		if c.Locked {
			decision = "locked"
		}
		return event{key: c.ID, at: at, pri: priCheck, msgID: "check." + decision, body: m.Payload,
			params: [][2]string{{"tenant", c.Tenant}, {"id", c.ID}, {"app", c.App}, {"account", c.Account},
				{"status", c.Status}, {"ip", c.IP}}}, nil
	}
	var r audit.Record
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		return event{}, fmt.Errorf("%w: siem: message %s: %v", notify.ErrPermanent, m.ID, err)
	}
	e, err := auditEvent(r)
	e.body = m.Payload
	return e, err
}

// auditEvent is the event of an audit record.
func auditEvent(r audit.Record) (event, error) {
	body, err := json.Marshal(r)
	return event{key: IdempotencyKey(r), at: r.At, pri: priAudit, msgID: r.Action, body: body,
		params: [][2]string{{"tenant", r.TenantID}, {"seq", strconv.FormatInt(r.Seq, 10)},
			{"actor", r.Actor}, {"target", r.Target}, {"hash", r.Hash}}}, err
}

// checkLine is the part of a streamed check decision (checklog.JSON) the
// carriers read.
type checkLine struct {
	ID      string `json:"id"`
	Tenant  string `json:"tenant"`
	App     string `json:"app"`
	Account string `json:"account"`
	At      string `json:"at"`
	Locked  bool   `json:"locked"`
	Status  string `json:"status"`
	IP      string `json:"ip"`
}
