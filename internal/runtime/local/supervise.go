package local

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// outcome is how one process of an instance ended.
type outcome struct {
	stopped  bool          // asked to stop: the instance is done
	reason   string        // why it ended, for Instance.LastExit
	readyFor time.Duration // how long it had been ready (0: never)
	clash    bool          // died before ready because its port was taken
}

// maxClashRetries bounds the immediate retries after port clashes; more go
// through the normal backoff.
const maxClashRetries = 3

// supervise runs one instance until it is asked to stop: start, wait for
// ready, wait for exit, restart with backoff.
func (m *Manager) supervise(in *instance) {
	defer m.wg.Done()
	log := m.opts.Logger.With("service", in.svc.name, "instance", in.id)
	delay := m.opts.Backoff.Initial
	clashes := 0
	for attempt := 0; ; attempt++ {
		out := m.runOnce(in, attempt, log)
		if out.stopped {
			m.finished(in, out.reason)
			return
		}
		if out.readyFor >= m.opts.Backoff.ResetAfter {
			delay = m.opts.Backoff.Initial
		}
		wait := delay
		if out.clash && clashes < maxClashRetries {
			clashes++
			wait = 0
		} else {
			clashes = 0
			delay = min(delay*2, m.opts.Backoff.Max)
		}
		m.crashed(in, out.reason, log)
		t := time.NewTimer(wait)
		select {
		case <-in.stop:
			t.Stop()
			m.finished(in, out.reason)
			return
		case <-t.C:
		}
	}
}

// runOnce starts one process for the instance and follows it to its end.
func (m *Manager) runOnce(in *instance, attempt int, log *slog.Logger) outcome {
	select {
	case <-in.stop:
		return outcome{stopped: true}
	default:
	}
	if attempt > 0 {
		m.mu.Lock()
		in.restarts++
		m.mu.Unlock()
	}
	p, err := m.startProcess(in, attempt)
	if err != nil {
		return outcome{reason: err.Error()}
	}
	defer p.closeLog()
	m.mu.Lock()
	in.state, in.addr, in.pid, in.startedAt, in.readyAt = StateStarting, p.addr, p.pid, p.started, time.Time{}
	if in.stopping {
		in.state = StateDraining
	}
	m.mu.Unlock()
	log.Debug("instance started", "pid", p.pid, "addr", p.addr, "attempt", attempt)

	if out, ready := m.awaitReady(in, p); !ready {
		p.note("ended: " + out.reason)
		return out
	}
	readyAt := time.Now()
	m.becameReady(in, readyAt.Sub(p.started))
	log.Info("instance ready", "addr", p.addr, "cold_start", readyAt.Sub(p.started))

	select {
	case ex := <-p.exited:
		p.note("ended: " + ex)
		return outcome{reason: ex, readyFor: time.Since(readyAt)}
	case <-in.stop:
		reason := m.drainAndStop(p, in.spec, log)
		return outcome{stopped: true, reason: reason}
	}
}

// awaitReady probes until the instance is ready, exits, times out or is
// asked to stop. Probes start fast (10 ms, doubling up to the interval) so a
// quick service is admitted quickly: the cold start is the autoscaler's
// lead time and what a request held at zero instances waits for.
func (m *Manager) awaitReady(in *instance, p *process) (outcome, bool) {
	spec := in.spec
	deadline := time.NewTimer(spec.Probe.Timeout)
	defer deadline.Stop()
	step := min(10*time.Millisecond, spec.Probe.Interval)
	next := time.NewTimer(step)
	defer next.Stop()
	for {
		select {
		case ex := <-p.exited:
			return outcome{reason: ex + " before becoming ready", clash: portTaken(p.addr)}, false
		case <-in.stop:
			return outcome{stopped: true, reason: "stopped before ready: " + m.stopProcess(p, spec)}, false
		case <-deadline.C:
			p.signal(sigKill)
			<-p.exited
			return outcome{reason: fmt.Sprintf("did not become ready within %s", spec.Probe.Timeout)}, false
		case <-next.C:
			if m.probe(p.addr, spec.Probe) {
				return outcome{}, true
			}
			step = min(step*2, spec.Probe.Interval)
			next.Reset(step)
		}
	}
}

// drainAndStop is the scale-in path of a ready instance: it is already
// draining (out of the ready set in the records); publish makes sure the
// gateway has seen that, then the Drainer waits for in-flight requests,
// then the process is stopped.
func (m *Manager) drainAndStop(p *process, spec Spec, log *slog.Logger) string {
	m.publish(p.in.svc)
	ctx, cancel := context.WithTimeout(m.killCtx, spec.Grace)
	if err := m.drain(ctx, p.in); err != nil {
		log.Warn("drain did not finish; stopping anyway", "addr", p.addr, "err", err)
	}
	cancel()
	reason := m.stopProcess(p, spec)
	p.note("stopped: " + reason)
	return reason
}

// drain calls the Drainer once for an instance that BeforeDrain was called
// for, so the two always pair up (the integrator may hold a reference
// between them), even when the process died on its own meanwhile.
func (m *Manager) drain(ctx context.Context, in *instance) error {
	m.mu.Lock()
	pending, addr := in.drainPending, in.addr
	in.drainPending = false
	m.mu.Unlock()
	if !pending || m.opts.Drainer == nil {
		return nil
	}
	return m.opts.Drainer(ctx, addr)
}

// stopProcess sends the stop signal to the process group, then SIGKILL
// after the grace period (or at once when Close ran out of time).
func (m *Manager) stopProcess(p *process, spec Spec) string {
	p.signal(spec.StopSignal)
	t := time.NewTimer(spec.Grace)
	defer t.Stop()
	select {
	case ex := <-p.exited:
		return ex
	case <-t.C:
	case <-m.killCtx.Done():
	}
	p.signal(sigKill)
	return <-p.exited
}

func (m *Manager) becameReady(in *instance, cold time.Duration) {
	m.mu.Lock()
	svc := in.svc
	if !in.stopping {
		in.state = StateReady
	}
	in.readyAt = time.Now()
	svc.coldLast = cold
	svc.cold.Add(cold)
	m.reconcileLocked(svc) // stale instances may now be replaced
	m.mu.Unlock()
	m.publish(svc)
}

func (m *Manager) crashed(in *instance, reason string, log *slog.Logger) {
	m.mu.Lock()
	wasReady := in.state == StateReady
	if !in.stopping {
		in.state = StateFailed
	}
	in.pid = 0
	in.lastExit, in.lastExitAt = reason, time.Now()
	in.svc.lastError, in.svc.lastErrAt = reason, in.lastExitAt
	m.mu.Unlock()
	log.Warn("instance failed; restarting after backoff", "reason", reason)
	if wasReady {
		m.publish(in.svc)
	}
}

// finished retires a stopped instance into the service's history.
func (m *Manager) finished(in *instance, reason string) {
	m.mu.Lock()
	svc := in.svc
	in.state, in.pid = StateStopped, 0
	if reason != "" {
		in.lastExit, in.lastExitAt = reason, time.Now()
	}
	for i, x := range svc.instances {
		if x == in {
			svc.instances = append(svc.instances[:i], svc.instances[i+1:]...)
			break
		}
	}
	svc.history = append(svc.history, in.snapshot())
	if len(svc.history) > historyLen {
		svc.history = svc.history[len(svc.history)-historyLen:]
	}
	m.mu.Unlock()
	m.publish(svc)
	// A draining instance that exited by itself still owes its Drainer
	// call; with nothing left to wait for, the context is already done.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = m.drain(ctx, in)
}
