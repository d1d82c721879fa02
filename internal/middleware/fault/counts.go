package fault

import "sync/atomic"

// Counts tallies the faults a middleware injected, for metrics and the
// admin API. The zero value is ready to use.
type Counts struct {
	Delayed, Aborted atomic.Int64
}
