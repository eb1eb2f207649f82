package sqlite

import (
	"context"
	"slices"
	"sync"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// configCache keeps applications by issuer and signing keys by application
// in memory for the lock check, which reads both on every check. Entries
// belong to one value of the config_version counter, which triggers bump in
// the transaction of any change to applications or keys (migration 0004),
// whichever process makes it; a lookup reads the counter first (one row)
// and drops everything when it moved. So a revoked key or a disabled
// application is never served from memory after its change committed.
//
// Since migration 0007 the counter also moves with every change to
// existing accounts, grants and members, so CheckState of an enrolled
// account — the account, its current grant and its owner — is kept here too: a check of a known account then
// costs one read of the counter instead of a join over three tables.
//
// Keys come back with the LastUsedAt they had when cached: key use is
// written by the check log and does not bump the counter.
type configCache struct {
	mu      sync.Mutex
	version int64
	apps    map[string]store.Application  // by issuer
	keys    map[string][]store.SigningKey // by application ID
	states  map[stateKey]store.CheckState
}

type stateKey struct{ app, account string }

// maxStates bounds the account states kept; past it the map starts over.
// A state with its grant and owner takes about 1 KB of heap, and a bigger
// map costs the garbage collector more than it saves at the tail: with 50 000
// the 1 M-account benchmark's p99 and resident memory grew.
const maxStates = 16384

const qConfigVersionSQL = `SELECT version FROM config_version WHERE id = 1`

// configVersion reads the counter through the read pool.
func (s *Store) configVersion(ctx context.Context) (int64, error) {
	var v int64
	row, err := s.row(ctx, qConfigVersion)
	if err == nil {
		err = row.Scan(&v)
	}
	return v, err
}

// current returns the cache valid for version v, emptying it if it was for
// another version. Call with mu held.
func (c *configCache) current(v int64) {
	if c.apps == nil || c.version != v {
		c.version = v
		c.apps = map[string]store.Application{}
		c.keys = map[string][]store.SigningKey{}
		c.states = map[stateKey]store.CheckState{}
	}
}

// ApplicationByIssuer implements store.Reader from memory when it can.
func (s *Store) ApplicationByIssuer(ctx context.Context, issuer string) (store.Application, error) {
	v, err := s.configVersion(ctx)
	if err != nil {
		return s.reads.ApplicationByIssuer(ctx, issuer)
	}
	s.cfg.mu.Lock()
	s.cfg.current(v)
	a, ok := s.cfg.apps[issuer]
	s.cfg.mu.Unlock()
	if ok {
		return a, nil
	}
	a, err = s.reads.ApplicationByIssuer(ctx, issuer)
	if err != nil {
		return a, err
	}
	// a is at least as new as version v: if a change slipped in between,
	// the counter has moved and the next lookup drops this entry.
	s.cfg.mu.Lock()
	if s.cfg.version == v {
		s.cfg.apps[issuer] = a
	}
	s.cfg.mu.Unlock()
	return a, nil
}

// SigningKeys implements store.Reader from memory when it can.
func (s *Store) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	v, err := s.configVersion(ctx)
	if err != nil {
		return s.reads.SigningKeys(ctx, appID)
	}
	s.cfg.mu.Lock()
	s.cfg.current(v)
	ks, ok := s.cfg.keys[appID]
	s.cfg.mu.Unlock()
	if ok {
		return slices.Clone(ks), nil
	}
	ks, err = s.reads.SigningKeys(ctx, appID)
	if err != nil {
		return ks, err
	}
	s.cfg.mu.Lock()
	if s.cfg.version == v {
		s.cfg.keys[appID] = slices.Clone(ks)
	}
	s.cfg.mu.Unlock()
	return ks, nil
}

// ApplicationAndKeys is ApplicationByIssuer and SigningKeys of the
// application in one lookup, reading the change counter once. The lock
// check uses it when the store has it.
func (s *Store) ApplicationAndKeys(ctx context.Context, issuer string) (store.Application, []store.SigningKey, error) {
	v, err := s.configVersion(ctx)
	if err != nil {
		v = -1 // unknown: read through, keep nothing
	}
	s.cfg.mu.Lock()
	if v >= 0 {
		s.cfg.current(v)
	}
	a, okA := s.cfg.apps[issuer]
	ks, okK := s.cfg.keys[a.ID]
	s.cfg.mu.Unlock()
	if v >= 0 && okA && okK {
		return a, slices.Clone(ks), nil
	}
	if a, err = s.reads.ApplicationByIssuer(ctx, issuer); err != nil {
		return a, nil, err
	}
	if ks, err = s.reads.SigningKeys(ctx, a.ID); err != nil {
		return a, nil, err
	}
	s.cfg.mu.Lock()
	if v >= 0 && s.cfg.version == v {
		s.cfg.apps[issuer] = a
		s.cfg.keys[a.ID] = slices.Clone(ks)
	}
	s.cfg.mu.Unlock()
	return a, ks, nil
}

// CheckState implements store.Reader from memory when it can.
func (s *Store) CheckState(ctx context.Context, appID, accountName string) (store.CheckState, error) {
	v, err := s.configVersion(ctx)
	if err != nil {
		return s.reads.CheckState(ctx, appID, accountName)
	}
	k := stateKey{appID, accountName}
	s.cfg.mu.Lock()
	s.cfg.current(v)
	st, ok := s.cfg.states[k]
	s.cfg.mu.Unlock()
	if ok {
		return cloneState(st), nil
	}
	st, err = s.reads.CheckState(ctx, appID, accountName)
	if err != nil || !st.Found {
		// Unenrolled accounts are not kept: enrolling one bumps no
		// counter (migration 0007), so a kept "not found" could outlive it.
		return st, err
	}
	s.cfg.mu.Lock()
	if s.cfg.version == v {
		if len(s.cfg.states) >= maxStates {
			s.cfg.states = map[stateKey]store.CheckState{}
		}
		s.cfg.states[k] = cloneState(st)
	}
	s.cfg.mu.Unlock()
	return st, nil
}

// cloneState copies the pointed-to grant and owner, so callers cannot
// change the cached state.
func cloneState(st store.CheckState) store.CheckState {
	if st.Grant != nil {
		g := *st.Grant
		st.Grant = &g
	}
	if st.Owner != nil {
		o := *st.Owner
		st.Owner = &o
	}
	return st
}
