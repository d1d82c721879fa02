package signals

import "testing"

// BenchmarkArrivalCompletion is the request-path cost of the signals: one
// Begin and one End.
func BenchmarkArrivalCompletion(b *testing.B) {
	s := NewService("api", nil)
	b.ReportAllocs()
	for b.Loop() {
		tok := s.Begin()
		s.End(tok, 200, false)
	}
}

// BenchmarkArrivalCompletionParallel is the same from every core at once,
// all on one service (the worst case: the counters share cache lines).
func BenchmarkArrivalCompletionParallel(b *testing.B) {
	s := NewService("api", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tok := s.Begin()
			s.End(tok, 200, false)
		}
	})
}
