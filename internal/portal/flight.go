package portal

import "sync"

// tenantFlight lets one piece of heavy work (the audit "Verify now", the
// exposure report) run per tenant at a time on this node: begin answers
// false while one runs.
type tenantFlight struct {
	mu      sync.Mutex
	running map[string]bool
}

// begin marks tenant's work as running; false when it already is.
func (f *tenantFlight) begin(tenant string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running[tenant] {
		return false
	}
	if f.running == nil {
		f.running = map[string]bool{}
	}
	f.running[tenant] = true
	return true
}

// end marks tenant's work as done.
func (f *tenantFlight) end(tenant string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.running, tenant)
}
