package autoscale

import (
	"testing"
	"time"
)

// BenchmarkDay replays one day of per-second samples with decisions at each
// policy's interval; ×90 is the cost of a 90-day simulation per policy.
func BenchmarkDay(b *testing.B) {
	p := Params{Target: 10, Peak: 10, Oracle: dailySine}
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			pol, err := New(name, p)
			if err != nil {
				b.Fatal(err)
			}
			every := int(pol.Interval() / time.Second)
			now := t0
			desired := 1
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for s := 0; s < 86400; s++ {
					v := dailySine(now)
					pol.Observe(Sample{T: now, InFlight: v, Arrivals: v})
					if s%every == 0 {
						desired = pol.Decide(State{Now: now, Desired: desired, Ready: desired}).Desired
					}
					now = now.Add(time.Second)
				}
			}
		})
	}
}

func BenchmarkShoalSnapshot(b *testing.B) {
	a, err := NewShoal(Params{Target: 10})
	if err != nil {
		b.Fatal(err)
	}
	feedFunc(a.Observe, t0, 86400, dailySine)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		data, err := a.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}
