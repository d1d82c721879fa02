package autoscale

import (
	"encoding/json"
	"fmt"
)

// shoalSnapshot is what Shoal saves: the forecaster's own snapshot and what
// the outage guard learned. Windows are seconds long and are not kept (nor
// is the guard's two hours of minutes).
type shoalSnapshot struct {
	Shoal      int             `json:"shoal"`
	Forecaster json.RawMessage `json:"forecaster"`
	Surge      float64         `json:"outage_surge"`
	// Collapses whose traffic came back, and those still gone when the
	// guard's hold ran out or would have (absent from older snapshots: 0).
	CollapsesBack int `json:"collapses_back,omitempty"`
	CollapsesGone int `json:"collapses_gone,omitempty"`
	// How the scheduled windows' holds scored (absent from older
	// snapshots: none scored, so the next ones are scored before any is
	// acted on).
	WindowHolds    int     `json:"window_holds,omitempty"`
	WindowHitShare float64 `json:"window_hit_share,omitempty"`
}

const shoalSnapshotVersion = 2

// Snapshot saves everything the policy has learned.
func (a *Shoal) Snapshot() ([]byte, error) {
	fc, err := a.fc.Snapshot()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(shoalSnapshot{Shoal: shoalSnapshotVersion, Forecaster: fc, Surge: a.guard.Surge,
		CollapsesBack: a.guard.Back, CollapsesGone: a.guard.Gone,
		WindowHolds: a.due.n, WindowHitShare: a.due.rate})
	if err != nil {
		return nil, fmt.Errorf("encoding shoal state: %w", err)
	}
	return b, nil
}

// Restore loads a Snapshot. A bare forecaster snapshot (what version 1 of
// this policy saved) is accepted too, so an upgrade keeps the week.
func (a *Shoal) Restore(data []byte) error {
	var s shoalSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("decoding shoal state: %w", err)
	}
	if s.Shoal == 0 {
		return a.fc.Restore(data)
	}
	if s.Shoal != shoalSnapshotVersion {
		return fmt.Errorf("shoal state version %d, want %d", s.Shoal, shoalSnapshotVersion)
	}
	if err := a.fc.Restore(s.Forecaster); err != nil {
		return err
	}
	a.guard.Surge = min(max(s.Surge, 0), 3)
	a.guard.Back, a.guard.Gone = max(s.CollapsesBack, 0), max(s.CollapsesGone, 0)
	a.due = dueHold{n: max(s.WindowHolds, 0), rate: min(max(s.WindowHitShare, 0), 1)}
	return nil
}
