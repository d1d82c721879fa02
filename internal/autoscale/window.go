package autoscale

import "time"

// secWindow is a sliding mean over the last n one-second samples. Push is
// O(1) and allocation-free; the running sum is recomputed exactly once per
// lap so float drift cannot make an all-zero window look non-zero.
type secWindow struct {
	buf   []float64
	next  int
	count int
	sum   float64
}

func newSecWindow(d time.Duration) *secWindow {
	n := int(d / time.Second)
	if n < 1 {
		n = 1
	}
	return &secWindow{buf: make([]float64, n)}
}

func (w *secWindow) push(v float64) {
	w.sum += v - w.buf[w.next]
	w.buf[w.next] = v
	w.next++
	if w.next == len(w.buf) {
		w.next = 0
		s := 0.0
		for _, x := range w.buf {
			s += x
		}
		w.sum = s
	}
	if w.count < len(w.buf) {
		w.count++
	}
}

// mean averages over the samples seen so far, up to the window length, as
// Knative's bucket average does before a window has filled.
func (w *secWindow) mean() float64 {
	if w.count == 0 {
		return 0
	}
	m := w.sum / float64(w.count)
	if m < 0 {
		return 0
	}
	return m
}

func (w *secWindow) empty() bool { return w.count == 0 }

// at is the i-th sample held, oldest first (0 ≤ i < count).
func (w *secWindow) at(i int) float64 {
	return w.buf[(w.next-w.count+i+2*len(w.buf))%len(w.buf)]
}

// allZero reports whether every sample in the window is zero.
func (w *secWindow) allZero() bool {
	n := w.count
	for i := 0; i < n; i++ {
		if w.buf[i] != 0 {
			return false
		}
	}
	return true
}

// timedInt is an integer recorded at a time (recommendations, scale events).
// Times are Unix nanoseconds: comparing int64s is several times cheaper than
// time.Time, and these logs are scanned at every decision.
type timedInt struct {
	t int64
	v int
}

// timedLog keeps timestamped integers for a bounded look-back. It is tiny
// (one entry per decision) so a linear scan is the cheapest structure.
type timedLog struct {
	keep  int64
	items []timedInt
}

func newTimedLog(keep time.Duration, capHint int) *timedLog {
	return &timedLog{keep: int64(keep), items: make([]timedInt, 0, capHint)}
}

// add records v at now and forgets entries older than keep.
func (l *timedLog) add(now time.Time, v int) {
	n := now.UnixNano()
	cut := n - l.keep
	i := 0
	for i < len(l.items) && l.items[i].t <= cut {
		i++
	}
	if i > 0 {
		k := copy(l.items, l.items[i:])
		l.items = l.items[:k]
	}
	l.items = append(l.items, timedInt{n, v})
}

// maxSince returns the largest value recorded after now-d and v itself if
// larger.
func (l *timedLog) maxSince(now time.Time, d time.Duration, v int) int {
	cut := now.UnixNano() - int64(d)
	for _, it := range l.items {
		if it.t > cut && it.v > v {
			v = it.v
		}
	}
	return v
}

// minSince is maxSince's mirror.
func (l *timedLog) minSince(now time.Time, d time.Duration, v int) int {
	cut := now.UnixNano() - int64(d)
	for _, it := range l.items {
		if it.t > cut && it.v < v {
			v = it.v
		}
	}
	return v
}

// sumSince adds the values recorded after now-d.
func (l *timedLog) sumSince(now time.Time, d time.Duration) int {
	cut := now.UnixNano() - int64(d)
	s := 0
	for _, it := range l.items {
		if it.t > cut {
			s += it.v
		}
	}
	return s
}
