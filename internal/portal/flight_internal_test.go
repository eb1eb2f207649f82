package portal

import "testing"

// TestTenantFlight: while a tenant's verification runs a second one is
// refused; another tenant's is not; after it ends the tenant may run again.
func TestTenantFlight(t *testing.T) {
	var f tenantFlight
	if !f.begin("t1") || f.begin("t1") || !f.begin("t2") {
		t.Fatal("begin: want t1 once, then t2")
	}
	f.end("t1")
	if !f.begin("t1") {
		t.Fatal("t1 after end refused")
	}
}
