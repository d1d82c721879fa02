// Package election elects the one gateway that runs the autoscaler among
// several replicas, with a coordination.k8s.io Lease and client-go's leader
// election. A gateway that loses the Lease stops leading and becomes a
// candidate again, so the group always has a leader while any gateway can
// reach the API server.
package election

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// Options configure an Elector. Client, Namespace, Lease and Lead are
// required.
type Options struct {
	Client    kubernetes.Interface
	Namespace string
	// Lease is the name of the Lease object.
	Lease string
	// Identity names this gateway in the Lease (default: DefaultIdentity).
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod are client-go's timings
	// (defaults 15 s, 10 s, 2 s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// KeepLeaseOnStop leaves the Lease to expire when Run ends, as a
	// crashed gateway does, instead of handing it over at once.
	KeepLeaseOnStop bool
	// Lead runs while this gateway holds the Lease. Its ctx ends when the
	// Lease is lost or Run ends; it must return soon after. It runs again
	// on the next win.
	Lead func(ctx context.Context)
	// OnChange, when set, hears every newly observed leader identity.
	OnChange func(leader string)
	Log      *slog.Logger
}

// Elector campaigns for the Lease until its Run ends.
type Elector struct {
	opts   Options
	lock   resourcelock.Interface
	leader atomic.Bool
	// current is the elector of the campaign in progress (for GetLeader).
	current atomic.Pointer[leaderelection.LeaderElector]
	running sync.Mutex
	// leadMu is held while Lead runs, so two Leads never overlap.
	leadMu sync.Mutex
}

// DefaultIdentity is the pod's host name (HOSTNAME on Kubernetes) with a
// random suffix, so two gateways in one process or a restarted pod never
// share an identity.
func DefaultIdentity() string {
	host, _ := os.Hostname()
	if h := os.Getenv("HOSTNAME"); h != "" {
		host = h
	}
	if host == "" {
		host = "shoal"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// New checks the options; it does not talk to the API server.
func New(opts Options) (*Elector, error) {
	if opts.Client == nil || opts.Namespace == "" || opts.Lease == "" || opts.Lead == nil {
		return nil, errors.New("election: Client, Namespace, Lease and Lead are required")
	}
	if opts.Identity == "" {
		opts.Identity = DefaultIdentity()
	}
	if opts.LeaseDuration <= 0 {
		opts.LeaseDuration = 15 * time.Second
	}
	if opts.RenewDeadline <= 0 {
		opts.RenewDeadline = 10 * time.Second
	}
	if opts.RetryPeriod <= 0 {
		opts.RetryPeriod = 2 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.RenewDeadline >= opts.LeaseDuration {
		return nil, fmt.Errorf("election: renew deadline %v must be shorter than the lease duration %v", opts.RenewDeadline, opts.LeaseDuration)
	}
	if float64(opts.RenewDeadline) <= leaderelection.JitterFactor*float64(opts.RetryPeriod) {
		return nil, fmt.Errorf("election: renew deadline %v must exceed %.1f × the retry period %v", opts.RenewDeadline, leaderelection.JitterFactor, opts.RetryPeriod)
	}
	lock := &resourcelock.LeaseLock{
		Client:     opts.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: opts.Identity},
	}
	lock.LeaseMeta.Namespace, lock.LeaseMeta.Name = opts.Namespace, opts.Lease
	return &Elector{opts: opts, lock: lock}, nil
}

// Identity is this gateway's name in the Lease.
func (e *Elector) Identity() string { return e.opts.Identity }

// IsLeader reports whether Lead is running here now.
func (e *Elector) IsLeader() bool { return e.leader.Load() }

// Leader is the identity of the last observed holder of the Lease ("" when
// none was seen yet).
func (e *Elector) Leader() string {
	if e.IsLeader() {
		return e.opts.Identity
	}
	if le := e.current.Load(); le != nil {
		return le.GetLeader()
	}
	return ""
}

// LeaseName is namespace/name of the Lease.
func (e *Elector) LeaseName() string { return e.opts.Namespace + "/" + e.opts.Lease }

// Run campaigns until ctx ends: it leads while it holds the Lease and
// campaigns again after losing it. On return Lead has finished and, unless
// KeepLeaseOnStop, the Lease is released for the next gateway.
func (e *Elector) Run(ctx context.Context) error {
	if !e.running.TryLock() {
		return errors.New("election: Run is already running")
	}
	defer e.running.Unlock()
	// client-go logs through klog; send it to our logger instead of
	// stderr, through the context so no global is touched.
	ctx = klog.NewContext(ctx, logr.FromSlogHandler(e.opts.Log.With("lease", e.LeaseName()).Handler()))
	for ctx.Err() == nil {
		if err := e.campaign(ctx); err != nil {
			return err
		}
		// After a loss, campaign again straight away: the Lease is
		// someone else's or free, and acquire waits its retry period.
	}
	return nil
}

// campaign is one client-go election: acquire, lead, lose (or stop).
func (e *Elector) campaign(ctx context.Context) error {
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            e.lock,
		LeaseDuration:   e.opts.LeaseDuration,
		RenewDeadline:   e.opts.RenewDeadline,
		RetryPeriod:     e.opts.RetryPeriod,
		ReleaseOnCancel: !e.opts.KeepLeaseOnStop,
		Name:            e.LeaseName(),
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(lctx context.Context) {
				// client-go starts this in a goroutine: it may get here
				// only after the campaign ended, with lctx cancelled.
				e.leadMu.Lock()
				defer e.leadMu.Unlock()
				if lctx.Err() != nil {
					return
				}
				e.leader.Store(true)
				defer e.leader.Store(false)
				e.opts.Log.Info("election: leading", "identity", e.opts.Identity, "lease", e.LeaseName())
				e.opts.Lead(lctx)
			},
			OnStoppedLeading: func() {},
			OnNewLeader: func(id string) {
				e.opts.Log.Info("election: leader observed", "leader", id, "self", id == e.opts.Identity)
				if e.opts.OnChange != nil {
					e.opts.OnChange(id)
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("election: %w", err)
	}
	e.current.Store(le)
	le.Run(ctx)
	// Run returns when the Lease is lost or ctx ends; Lead's context is
	// already cancelled then, so this wait for it is short.
	e.leadMu.Lock()
	e.leadMu.Unlock() //nolint:staticcheck // an empty critical section: waiting for Lead to end

	return nil
}
