package autoscaler

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// snapshotFile is the document a SnapshotStore keeps per service.
type snapshotFile struct {
	Version int       `json:"version"`
	Service string    `json:"service"`
	Policy  string    `json:"policy"`
	Saved   time.Time `json:"saved"`
	// Metric and TimeScale are the units the state was learned in (absent
	// from older files: taken as the current ones). Profiles of in-flight
	// requests read as requests per second, or minutes of a demo's
	// compressed day read as real minutes, would forecast nonsense for
	// days while they relearned, so a change of either starts afresh.
	Metric    string  `json:"metric,omitempty"`
	TimeScale float64 `json:"time_scale,omitempty"`
	// State is the policy's own Snapshot (JSON).
	State json.RawMessage `json:"state"`
}

const snapshotFileVersion = 1

// save stores the learned state of a persistent policy.
func (s *service) save() error {
	store := s.c.opts.Store
	s.mu.Lock()
	s.savedAt = s.c.opts.Clock()
	p, ok := s.policy.(autoscale.Persistent)
	if store == nil || !ok {
		s.mu.Unlock()
		return nil
	}
	state, err := p.Snapshot()
	file := snapshotFile{Version: snapshotFileVersion, Service: s.name, Policy: s.policy.Name(), Saved: s.savedAt,
		Metric: s.spec.Metric, TimeScale: timeScaleOf(s.spec), State: state}
	s.mu.Unlock()
	if err == nil {
		var data []byte
		if data, err = json.Marshal(file); err == nil {
			err = store.Save(s.name, data)
		}
	}
	if err != nil {
		s.log.Warn("autoscaler: saving learned state", "where", store.Where(s.name), "error", err)
		return fmt.Errorf("autoscaler %s: saving learned state: %w", s.name, err)
	}
	return nil
}

// load restores a saved snapshot into pol, a new policy built from spec,
// and reports whether it did. Nothing saved is normal; a corrupt or foreign
// document, or one learned in other units, is logged and ignored, never
// fatal: the policy then learns from scratch.
func (s *service) load(pol autoscale.Policy, spec Spec) bool {
	store := s.c.opts.Store
	p, ok := pol.(autoscale.Persistent)
	if store == nil || !ok {
		return false
	}
	where := store.Where(s.name)
	data, found, err := store.Load(s.name)
	if err == nil && !found {
		return false
	}
	var file snapshotFile
	if err == nil {
		err = json.Unmarshal(data, &file)
	}
	if err == nil && file.Version != snapshotFileVersion {
		err = fmt.Errorf("version %d, want %d", file.Version, snapshotFileVersion)
	}
	if err == nil && file.Policy != pol.Name() {
		s.log.Info("autoscaler: saved state is of another policy, starting fresh", "saved", file.Policy, "policy", pol.Name())
		return false
	}
	if err == nil {
		if why := otherUnits(file.Metric, file.TimeScale, spec); why != "" {
			s.log.Info("autoscaler: saved state was learned in other units, starting fresh", "where", where, "change", why)
			return false
		}
		err = p.Restore(file.State)
	}
	if err != nil {
		s.log.Warn("autoscaler: ignoring unreadable saved state", "where", where, "error", err)
		return false
	}
	s.log.Info("autoscaler: restored learned state", "where", where, "saved", file.Saved)
	s.restoredFrom = file.Saved
	return true
}

// timeScaleOf is the spec's time scale with real time as 1.
func timeScaleOf(spec Spec) float64 {
	if spec.TimeScale <= 0 {
		return 1
	}
	return spec.TimeScale
}

// otherUnits says how state learned with metric and time scale differs from
// what spec scales on ("" when it does not, or when the saved units are not
// known).
func otherUnits(metric string, timeScale float64, spec Spec) string {
	switch {
	case metric != "" && metric != spec.Metric:
		return fmt.Sprintf("metric %s, now %s", metric, spec.Metric)
	case timeScale > 0 && timeScale != timeScaleOf(spec):
		return fmt.Sprintf("time scale %v, now %v", timeScale, timeScaleOf(spec))
	}
	return ""
}
