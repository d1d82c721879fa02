package config

import "time"

// Duration is a length of time written as numbers with units: "250ms",
// "30s", "1m30s" (units ns, us, ms, s, m, h). It must not be negative.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the value as the file would write it.
func (d Duration) String() string { return time.Duration(d).String() }
