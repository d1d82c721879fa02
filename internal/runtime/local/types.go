package local

import (
	"context"
	"log/slog"
	"time"
)

// State is where an instance is in its life.
type State string

// Instance states. An instance that crashed is failed while it waits out its
// restart backoff, then starting again; stopped is final.
const (
	StateStarting State = "starting"
	StateReady    State = "ready"
	StateDraining State = "draining"
	StateStopped  State = "stopped"
	StateFailed   State = "failed"
)

// Instance is a snapshot of one instance, for the API.
type Instance struct {
	ID        string
	Service   string
	Address   string // host:port; empty before the first start
	PID       int    // 0 when no process runs
	State     State
	StartedAt time.Time // start of the current (or last) process
	ReadyAt   time.Time // zero until it passed its readiness probe
	// Restarts counts processes started after the first one.
	Restarts int
	// LastExit says why the last process ended: "exit code 1",
	// "killed by signal SIGKILL", "did not become ready within 60s",
	// "command not found: ...". Empty while the first process runs.
	LastExit   string
	LastExitAt time.Time
}

// Status sums up one service for the API and the autoscaler.
type Status struct {
	Service  string
	Desired  int
	Ready    int
	Starting int
	Draining int
	// Failed counts instances waiting to be restarted after a crash or a
	// failed start; LastError is the newest reason while any is failed.
	Failed    int
	LastError string
	// Cold start (process start to ready): the last one, a moving average
	// and a moving mean deviation from it; zero until an instance has
	// become ready.
	ColdStartLast time.Duration
	ColdStartAvg  time.Duration
	ColdStartDev  time.Duration
}

// Drainer waits until address has no requests in flight, or ctx ends. The
// instance is already out of the ready set when it is called; ctx is bounded
// by the service's grace period. An error is logged and the stop goes on.
type Drainer func(ctx context.Context, address string) error

// Backoff shapes restarts after crashes: Initial, doubled per crash up to
// Max, back to Initial once an instance stayed ready for ResetAfter.
type Backoff struct {
	Initial    time.Duration // default 100ms
	Max        time.Duration // default 30s
	ResetAfter time.Duration // default 10s
}

// Options configure a Manager. All fields are optional.
type Options struct {
	// LogDir is the root for instance logs: <LogDir>/<service>/<id>.log.
	// Default: <os.TempDir()>/shoal-logs. Spec.LogDir overrides it.
	LogDir string
	// LogMaxBytes caps one log file; when full it becomes <id>.log.1 (one
	// older file is kept). Default 10 MiB.
	LogMaxBytes int64
	Logger      *slog.Logger
	// OnChange is called with the full, sorted set of ready addresses of a
	// service whenever it changes. Calls for one service never overlap and
	// always carry the newest set; it must not call back into the Manager.
	OnChange func(service string, ready []string)
	// Drainer is called on scale-in after the instance left the ready set
	// (OnChange returned) and before the stop signal. Nil: no wait.
	Drainer Drainer
	// BeforeDrain is called when a ready instance is chosen to stop, before
	// OnChange drops its address; the Drainer is then called exactly once
	// for it (with a done context if the process died meanwhile). It lets
	// the integrator keep per-address state alive across the pool update
	// (upstream.States.Ref here, Unref when the Drainer returns). Called
	// with the Manager's lock held: quick, and no calls back.
	BeforeDrain func(service, address string)
	// Load reports the in-flight requests of an address; scale-in removes
	// the least loaded ready instance. Nil: the newest one goes. Called with
	// the Manager's lock held: it must be quick and not call back.
	Load    func(address string) int64
	Backoff Backoff
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LogMaxBytes <= 0 {
		o.LogMaxBytes = 10 << 20
	}
	if o.Backoff.Initial <= 0 {
		o.Backoff.Initial = 100 * time.Millisecond
	}
	if o.Backoff.Max <= 0 {
		o.Backoff.Max = 30 * time.Second
	}
	if o.Backoff.Max < o.Backoff.Initial {
		o.Backoff.Max = o.Backoff.Initial
	}
	if o.Backoff.ResetAfter <= 0 {
		o.Backoff.ResetAfter = 10 * time.Second
	}
	return o
}
