package metrics

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestCountCheckAndObserveStore: the kept children count into the same
// series WithLabelValues would, each label set apart.
func TestCountCheckAndObserveStore(t *testing.T) {
	m := New()
	for range 3 {
		m.CountCheck("locked", "locked")
	}
	m.CountCheck("locked", "lockdown")
	m.CountCheck("error", "token_invalid")
	m.ObserveStore("check_state", 2*time.Millisecond)
	m.ObserveStore("check_state", 4*time.Millisecond)
	m.ObserveStore("append_checks", time.Millisecond)

	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, s := range f.GetMetric() {
			key := f.GetName()
			for _, l := range s.GetLabel() {
				key += " " + l.GetValue()
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				got[key] = s.GetCounter().GetValue()
			case dto.MetricType_HISTOGRAM:
				got[key] = float64(s.GetHistogram().GetSampleCount())
				got[key+" sum"] = s.GetHistogram().GetSampleSum()
			}
		}
	}
	for key, want := range map[string]float64{
		"deadbolt_checks_total locked locked":             3,
		"deadbolt_checks_total error token_invalid":       1,
		"deadbolt_store_duration_seconds check_state":     2,
		"deadbolt_store_duration_seconds check_state sum": 0.006,
		"deadbolt_store_duration_seconds append_checks":   1,
	} {
		if g := got[key]; g < want-1e-9 || g > want+1e-9 {
			t.Errorf("%s = %v, want %v", key, g, want)
		}
	}
}

// BenchmarkCountCheck compares, in one run, counting a check through
// the kept child with counting it through the vector's WithLabelValues.
func BenchmarkCountCheck(b *testing.B) {
	m := New()
	b.Run("WithLabelValues", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Checks.WithLabelValues("locked", "locked").Inc()
				m.StoreSeconds.WithLabelValues("check_state").Observe(0.001)
				m.StoreSeconds.WithLabelValues("application_and_keys").Observe(0.001)
			}
		})
	})
	b.Run("kept", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.CountCheck("locked", "locked")
				m.ObserveStore("check_state", time.Millisecond)
				m.ObserveStore("application_and_keys", time.Millisecond)
			}
		})
	})
}
