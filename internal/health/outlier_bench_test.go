package health

import (
	"fmt"
	"testing"
)

func TestObserveDoesNotAllocate(t *testing.T) {
	d := newDetector(t, newManualClock(), newEjectLog(), "10.0.0.1:80", "10.0.0.2:80")
	addr := string([]byte("10.0.0.1:80")) // not the map's own string
	allocs := testing.AllocsPerRun(1000, func() {
		d.Observe(addr, Success)
		d.Observe(addr, ServerError)
		d.Observe(addr, Success)
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %.1f times per run", allocs)
	}
}

func BenchmarkObserveSuccess(b *testing.B) {
	d, _ := NewOutlierDetector(OutlierOptions{Ejector: EjectorFunc(func(string, bool) {})})
	addrs := make([]string, 50)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("10.0.0.%d:8080", i)
	}
	d.Update(addrs)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			d.Observe(addrs[i%len(addrs)], Success)
			i++
		}
	})
}

func BenchmarkObserveMixed(b *testing.B) {
	d, _ := NewOutlierDetector(OutlierOptions{Ejector: EjectorFunc(func(string, bool) {})})
	d.Update([]string{"10.0.0.1:8080", "10.0.0.2:8080"})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// Never five failures in a row: measures the counting path only.
		o := ServerError
		if i%4 == 0 {
			o = Success
		}
		d.Observe("10.0.0.1:8080", o)
	}
}
