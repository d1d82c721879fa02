package health

import "time"

// Status is an active check's verdict for one target.
type Status int8

// Statuses. StatusUnknown only appears as the Old side of the event that
// announces a newly added target.
const (
	StatusUnknown Status = iota
	StatusHealthy
	StatusUnhealthy
)

func (s Status) String() string {
	switch s {
	case StatusHealthy:
		return "healthy"
	case StatusUnhealthy:
		return "unhealthy"
	default:
		return "unknown"
	}
}

// Event describes one status change of one target, for logs and the admin API.
type Event struct {
	Service string    // CheckerOptions.Service
	Address string    // the target, host:port
	Check   string    // ProbeSpec.Kind(): "http", "tcp", "grpc"
	Old     Status    // StatusUnknown when the target was just added
	New     Status    // never StatusUnknown
	Reason  string    // why, e.g. "3 consecutive failed probes: http probe: status 503 not expected"
	Time    time.Time // when the change was decided
}
