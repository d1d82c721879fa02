package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Model describes the simulated service and gateway. Zero values are not
// meaningful; start from DefaultModel.
type Model struct {
	// Slots is the number of requests one instance serves concurrently.
	Slots int
	// ServiceMean is the mean service time of one request.
	ServiceMean time.Duration
	// ServiceDist is "exp" or "lognormal"; Sigma is the lognormal shape.
	ServiceDist string
	Sigma       float64
	// ColdStart runs from an instance's creation until it is ready.
	ColdStart time.Duration
	// Actuation runs from a decision until the instance is created.
	Actuation time.Duration
	// Drain is how long a removed instance keeps existing (and costing) at
	// least: deregistration plus finishing its in-flight requests.
	Drain time.Duration
	// QueueTimeout is how long a request may wait at the gateway for a free
	// slot before it fails; QueueLimit caps the queue (0 = unlimited), beyond
	// it requests are rejected.
	QueueTimeout time.Duration
	QueueLimit   int
	// SLO is the latency a request must beat to count as good.
	SLO time.Duration
	// NeedViolation is the steady-state share of SLO-violating requests that
	// defines how many instances a load "needs" (used for rescaling, the
	// static and oracle bounds, and the under/over-provisioned time shares).
	NeedViolation float64
	// Seed makes the request engine's arrivals and service times repeatable.
	Seed uint64
}

// DefaultModel is the service model the CLI defaults document.
func DefaultModel() Model {
	return Model{
		Slots:         10,
		ServiceMean:   100 * time.Millisecond,
		ServiceDist:   "lognormal",
		Sigma:         0.3,
		ColdStart:     30 * time.Second,
		Actuation:     time.Second,
		Drain:         5 * time.Second,
		QueueTimeout:  5 * time.Second,
		QueueLimit:    0,
		SLO:           500 * time.Millisecond,
		NeedViolation: 0.005,
		Seed:          1,
	}
}

// Validate reports the first impossible setting.
func (m Model) Validate() error {
	switch {
	case m.Slots < 1:
		return fmt.Errorf("slots per instance %d: must be ≥ 1", m.Slots)
	case m.ServiceMean <= 0:
		return fmt.Errorf("service time %v: must be > 0", m.ServiceMean)
	case m.ServiceDist != "exp" && m.ServiceDist != "lognormal":
		return fmt.Errorf("service distribution %q: want exp or lognormal", m.ServiceDist)
	case m.ServiceDist == "lognormal" && (m.Sigma <= 0 || m.Sigma > 3):
		return fmt.Errorf("lognormal sigma %v: must be in (0, 3]", m.Sigma)
	case m.ColdStart < 0 || m.Actuation < 0 || m.Drain < 0:
		return fmt.Errorf("cold start, actuation and drain must be ≥ 0")
	case m.QueueTimeout <= 0:
		return fmt.Errorf("queue timeout %v: must be > 0", m.QueueTimeout)
	case m.SLO <= 0:
		return fmt.Errorf("SLO %v: must be > 0", m.SLO)
	case m.QueueLimit < 0:
		return fmt.Errorf("queue limit %d: must be ≥ 0", m.QueueLimit)
	case m.NeedViolation <= 0 || m.NeedViolation >= 1:
		return fmt.Errorf("need-violation %v: must be in (0, 1)", m.NeedViolation)
	}
	return nil
}

// floorPct is the share (in %) of requests whose service alone takes longer
// than the SLO: the violations no policy can remove.
func (m Model) floorPct() float64 {
	return 100 * (1 - newService(m).cdf(m.SLO.Seconds()))
}

// service is the service-time distribution in seconds.
type service struct {
	exp   bool
	mean  float64
	mu    float64 // lognormal location
	sigma float64
	cs2   float64 // squared coefficient of variation
}

func newService(m Model) service {
	s := service{mean: m.ServiceMean.Seconds()}
	if m.ServiceDist == "exp" {
		s.exp, s.cs2 = true, 1
		return s
	}
	s.sigma = m.Sigma
	s.mu = math.Log(s.mean) - m.Sigma*m.Sigma/2
	s.cs2 = math.Expm1(m.Sigma * m.Sigma)
	return s
}

// cdf is P(S ≤ x).
func (s service) cdf(x float64) float64 {
	if x <= 0 {
		return 0
	}
	if s.exp {
		return -math.Expm1(-x / s.mean)
	}
	return 0.5 * math.Erfc(-(math.Log(x)-s.mu)/(s.sigma*math.Sqrt2))
}

func (s service) sample(r *rand.Rand) float64 {
	if s.exp {
		return r.ExpFloat64() * s.mean
	}
	return math.Exp(s.mu + s.sigma*r.NormFloat64())
}

// poisson draws a Poisson count; for large means a rounded normal is
// indistinguishable at the precision the engines are compared with.
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean < 40 {
		l, k, p := math.Exp(-mean), 0, 1.0
		for {
			p *= r.Float64()
			if p <= l {
				return k
			}
			k++
		}
	}
	v := math.Round(mean + math.Sqrt(mean)*r.NormFloat64())
	if v < 0 {
		return 0
	}
	return int(v)
}
