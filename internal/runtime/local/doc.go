// Package local is Shoal's embedded scaler: it runs a service's instances as
// child processes of the gateway on free loopback ports.
//
// A Manager owns every instance it starts. For each service it keeps a Spec
// (how to start one instance) and a desired count, and converges to it: it
// starts instances, admits them to the ready set only after the readiness
// probe passes, restarts crashed ones with exponential backoff, and on
// scale-in takes an instance out of the ready set, lets the integrator drain
// it (Drainer), then stops it (stop signal, SIGKILL after the grace period).
//
// Each instance runs in its own process group and is started from one
// OS thread that stays alive as long as the Manager, with Pdeathsig set on
// Linux, so instances die with the gateway even when it is killed with -9.
// See docs/runtime.md for the user-facing behaviour.
package local
