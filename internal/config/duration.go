package config

import "time"

// Duration is a time.Duration written in the file as a Go duration string
// such as "250ms", "30s" or "1m30s".
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the value as the file would write it.
func (d Duration) String() string { return time.Duration(d).String() }
