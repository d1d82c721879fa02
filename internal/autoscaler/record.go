package autoscaler

import "time"

// Event kinds.
const (
	// KindScale: the controller asked the scaler for a new count.
	KindScale = "scale"
	// KindWake: a request found the service at zero.
	KindWake = "wake"
	// KindError: the scaler refused a count.
	KindError = "error"
	// KindConfig: the policy was (re)built: new spec or a new measured cold
	// start.
	KindConfig = "config"
)

// Event is one scaling decision or happening, for /api/services/{s}/scaling.
type Event struct {
	Time time.Time `json:"t"`
	Kind string    `json:"kind"`
	From int       `json:"from"`
	To   int       `json:"to"`
	// Reason is the policy's sentence, or what happened.
	Reason string `json:"reason"`
	// Forecast is the policy's predicted demand at now + lead in metric
	// units (0 for policies that do not forecast).
	Forecast float64 `json:"forecast"`
	Panic    bool    `json:"panic"`
}

// TimelinePoint is one second of a service for the dashboard chart. Demand,
// Capacity and Forecast share the policy's metric units (requests in flight,
// or requests per second with the rps metric).
type TimelinePoint struct {
	T        time.Time `json:"t"`
	Demand   float64   `json:"demand"`
	Arrivals float64   `json:"arrivals"`
	InFlight float64   `json:"in_flight"`
	// Capacity is ready instances × target.
	Capacity float64 `json:"capacity"`
	Ready    int     `json:"ready"`
	Starting int     `json:"starting"`
	Draining int     `json:"draining"`
	Desired  int     `json:"desired"`
	// Forecast is what the policy predicted, one lead earlier, for this
	// second (0 when it made no prediction for it).
	Forecast float64 `json:"forecast"`
}

// ring keeps the last len(buf) values pushed.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest value once full
	full bool
}

func newRing[T any](n int) *ring[T] { return &ring[T]{buf: make([]T, 0, n)} }

func (r *ring[T]) push(v T) {
	if len(r.buf) < cap(r.buf) {
		r.buf = append(r.buf, v)
		return
	}
	r.buf[r.head] = v
	r.head = (r.head + 1) % len(r.buf)
}

// each calls f on the values, oldest first.
func (r *ring[T]) each(f func(T)) {
	for i := range r.buf {
		f(r.buf[(r.head+i)%len(r.buf)])
	}
}

// forecastLog remembers, per second, the forecast made for that second, so
// the timeline can show prediction and outcome side by side.
type forecastLog struct {
	vals  []float64
	secs  []int64
	until int64 // last second filled
}

// forecastHorizon bounds the lead the log can hold (≈ 68 min).
const forecastHorizon = 4096

func newForecastLog() *forecastLog {
	return &forecastLog{vals: make([]float64, forecastHorizon), secs: make([]int64, forecastHorizon), until: -1}
}

// put records v as the forecast for every second after the last one filled
// up to target (the value holds until the next decision's target).
func (f *forecastLog) put(target time.Time, v float64) {
	t := target.Unix()
	from := max(f.until+1, t-forecastHorizon+1)
	if f.until < 0 {
		from = t
	}
	for s := from; s <= t; s++ {
		i := s % forecastHorizon
		f.vals[i], f.secs[i] = v, s
	}
	f.until = max(f.until, t)
}

func (f *forecastLog) get(t time.Time) float64 {
	s := t.Unix()
	if s < 0 {
		return 0
	}
	if i := s % forecastHorizon; f.secs[i] == s {
		return f.vals[i]
	}
	return 0
}
