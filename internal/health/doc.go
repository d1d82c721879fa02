// Package health decides whether an endpoint deserves traffic, from two
// independent kinds of evidence:
//
//   - active checks (Checker): a probe per target on an interval (HTTP, TCP or
//     the gRPC health protocol) with healthy/unhealthy thresholds;
//   - passive outlier detection (OutlierDetector): the outcomes of real
//     requests, fed in by the proxy, eject an endpoint after consecutive
//     failures for a time that grows with each ejection.
//
// The package never touches the request path's data structures itself. It
// reports verdicts through two small interfaces, Sink and Ejector, and the
// integrator combines them (with other causes such as draining) into the
// endpoint's single readiness bit; Readiness is a ready-made combiner.
//
// It imports nothing from Shoal, so config, gateway and upstream stay free to
// import it or not.
package health

// Sink receives the verdicts of active health checks: one call per change of
// an address's status (and one when a target is first added, carrying the
// initial status). Calls for one address are never concurrent and arrive in
// order; calls for different addresses may come from different goroutines.
// A Sink must not call back into the Checker: Update waits for a removed
// target's goroutine, which may be inside the Sink.
type Sink interface {
	SetHealthy(addr string, healthy bool)
}

// Ejector receives outlier detection's verdicts: ejected=true when the
// detector takes addr out of rotation, false when the ejection time has
// passed (or the address left the detector's set while ejected). Calls are
// serialised per detector. An Ejector must not call back into the detector.
type Ejector interface {
	SetEjected(addr string, ejected bool)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(addr string, healthy bool)

// SetHealthy calls f.
func (f SinkFunc) SetHealthy(addr string, healthy bool) { f(addr, healthy) }

// EjectorFunc adapts a function to Ejector.
type EjectorFunc func(addr string, ejected bool)

// SetEjected calls f.
func (f EjectorFunc) SetEjected(addr string, ejected bool) { f(addr, ejected) }
