package autoscale

import (
	"encoding/json"
	"fmt"
	"time"
)

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
)

// minuteAgg turns per-second samples into per-minute means.
type minuteAgg struct {
	minute int64
	sum    float64
	n      int
	live   bool
}

// add folds v at t in. When t starts a new minute it returns the finished
// minute and its mean (done=true).
func (m *minuteAgg) add(t time.Time, v float64) (minute int64, mean float64, done bool) {
	cur := floorDiv(t.Unix(), 60)
	if m.live && cur != m.minute && m.n > 0 {
		minute, mean, done = m.minute, m.sum/float64(m.n), true
		m.sum, m.n = 0, 0
	}
	if !m.live || cur != m.minute {
		m.minute, m.live = cur, true
		m.sum, m.n = 0, 0
	}
	m.sum += v
	m.n++
	return minute, mean, done
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// minuteHistory keeps the last len(vals) per-minute means by absolute
// minute; a slot is valid only if its stamp matches.
type minuteHistory struct {
	vals   []float64
	stamps []int64
}

func newMinuteHistory(n int) *minuteHistory {
	h := &minuteHistory{vals: make([]float64, n), stamps: make([]int64, n)}
	for i := range h.stamps {
		h.stamps[i] = -1
	}
	return h
}

func (h *minuteHistory) put(minute int64, v float64) {
	i := floorMod(minute, int64(len(h.vals)))
	h.vals[i], h.stamps[i] = v, minute
}

func (h *minuteHistory) get(minute int64) (float64, bool) {
	i := floorMod(minute, int64(len(h.vals)))
	if h.stamps[i] != minute {
		return 0, false
	}
	return h.vals[i], true
}

// WeekAgoParams configures weekago.
type WeekAgoParams struct {
	// Lead is how far ahead of now the week-old demand is read. Default
	// cold start + actuation delay + one HPA sync period, so the instances
	// it asks for are ready for the whole next sync.
	Lead time.Duration
}

// WeekAgo is hpa plus a second, external metric as KEDA would add it: the
// demand seen 7 days earlier at now+lead (1-minute means; the larger of the
// minutes covering [now+lead, now+lead+sync]), with an AverageValue target
// of Params.Target per instance. The HPA takes the max of both proposals,
// then stabilises and rate-limits as usual. It remembers 8 days of minutes.
type WeekAgo struct {
	*HPA
	lead time.Duration
	agg  minuteAgg
	hist *minuteHistory
}

// NewWeekAgo builds the weekago policy.
func NewWeekAgo(p Params) (*WeekAgo, error) {
	h, err := NewHPA(p)
	if err != nil {
		return nil, err
	}
	w := &WeekAgo{HPA: h, hist: newMinuteHistory(minutesPerWeek + minutesPerDay)}
	w.lead = p.WeekAgo.Lead
	if w.lead <= 0 {
		w.lead = h.p.ColdStart + h.p.ActuationDelay + h.h.SyncPeriod
	}
	h.name = "weekago"
	h.extra = w.external
	return w, nil
}

// Lead is how far ahead Decision.Forecast (last week's demand) looks.
func (w *WeekAgo) Lead() time.Duration { return w.lead }

// Observe feeds both the HPA window and the week history.
func (w *WeekAgo) Observe(s Sample) {
	v := w.p.value(s)
	w.win.push(v)
	if m, mean, done := w.agg.add(s.T, v); done {
		w.hist.put(m, mean)
	}
}

// external is KEDA's per-pod external metric replica calculation.
func (w *WeekAgo) external(now time.Time, current int) (int, float64, bool) {
	from := floorDiv(now.Add(w.lead).Unix(), 60) - minutesPerWeek
	to := floorDiv(now.Add(w.lead+w.h.SyncPeriod).Unix(), 60) - minutesPerWeek
	v, ok := 0.0, false
	for m := from; m <= to; m++ {
		if x, found := w.hist.get(m); found {
			ok = true
			if x > v {
				v = x
			}
		}
	}
	if !ok {
		return 0, 0, false
	}
	ratio := v / (w.p.Target * float64(max(current, 1)))
	if ratio >= 1-w.h.Tolerance && ratio <= 1+w.h.Tolerance {
		return current, v, true
	}
	return ceilDiv(v, w.p.Target), v, true
}

type weekAgoSnapshot struct {
	Version int       `json:"version"`
	Minutes []int64   `json:"minutes"`
	Values  []float64 `json:"values"`
}

// Snapshot saves the minute history.
func (w *WeekAgo) Snapshot() ([]byte, error) {
	s := weekAgoSnapshot{Version: 1}
	for i, m := range w.hist.stamps {
		if m >= 0 {
			s.Minutes = append(s.Minutes, m)
			s.Values = append(s.Values, w.hist.vals[i])
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding weekago history: %w", err)
	}
	return b, nil
}

// Restore loads a Snapshot.
func (w *WeekAgo) Restore(data []byte) error {
	var s weekAgoSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("decoding weekago history: %w", err)
	}
	if s.Version != 1 || len(s.Minutes) != len(s.Values) {
		return fmt.Errorf("weekago history: unsupported version %d or bad lengths", s.Version)
	}
	for i, m := range s.Minutes {
		w.hist.put(m, s.Values[i])
	}
	return nil
}
