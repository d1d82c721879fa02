package election

import (
	"context"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

var kube = kubetest.NewShared()

func TestMain(m *testing.M) { kubetest.Main(m, kube) }

// candidate is one gateway in the test: its elector and how often its
// Lead ran and is running.
type candidate struct {
	e      *Elector
	stop   context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	leads  int
	active bool
}

func (c *candidate) leading() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active
}

func startCandidate(t *testing.T, cl *kubetest.Cluster, ns, id string, keep bool) *candidate {
	t.Helper()
	c := &candidate{done: make(chan struct{})}
	e, err := New(Options{
		Client: cl.Client, Namespace: ns, Lease: "shoal-autoscaler", Identity: id,
		LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 250 * time.Millisecond,
		KeepLeaseOnStop: keep,
		Lead: func(ctx context.Context) {
			c.mu.Lock()
			c.leads++
			c.active = true
			c.mu.Unlock()
			<-ctx.Done()
			c.mu.Lock()
			c.active = false
			c.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.e = e
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = func() {
		cancel()
		<-c.done
	}
	go func() {
		defer close(c.done)
		if err := e.Run(ctx); err != nil {
			t.Errorf("Run %s: %v", id, err)
		}
	}()
	t.Cleanup(c.stop)
	return c
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// oneLeader waits until exactly one candidate leads and returns it and
// the other.
func oneLeader(t *testing.T, a, b *candidate) (leader, other *candidate) {
	t.Helper()
	waitFor(t, 10*time.Second, "a leader", func() bool { return a.leading() != b.leading() })
	if a.leading() {
		return a, b
	}
	return b, a
}

func TestOneLeaderAndHandOver(t *testing.T) {
	cl := kube.Cluster(t)
	ns := cl.Namespace(t)
	a := startCandidate(t, cl, ns, "gw-a", false)
	b := startCandidate(t, cl, ns, "gw-b", false)
	leader, other := oneLeader(t, a, b)
	// Both agree on who leads, and it stays one for a few renewals.
	waitFor(t, 5*time.Second, "the follower sees the leader", func() bool { return other.e.Leader() == leader.e.Identity() })
	for range 20 {
		if leader.leading() == other.leading() {
			t.Fatalf("two leaders or none: %v %v", leader.leading(), other.leading())
		}
		time.Sleep(50 * time.Millisecond)
	}
	lease, err := cl.Client.CoordinationV1().Leases(ns).Get(context.Background(), "shoal-autoscaler", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := lease.Spec.HolderIdentity; h == nil || *h != leader.e.Identity() {
		t.Fatalf("lease holder %v, want %s", h, leader.e.Identity())
	}
	// A stopped leader hands the Lease over: the other leads at its next
	// retry, well before the lease would have expired.
	leader.stop()
	took := waitFor(t, 3*time.Second, "take-over after a clean stop", other.leading)
	t.Logf("take-over after a clean stop: %v", took)
	if other.e.Leader() != other.e.Identity() {
		t.Fatalf("new leader reports holder %q", other.e.Leader())
	}
}

func TestCrashedLeaderIsReplacedAfterTheLease(t *testing.T) {
	cl := kube.Cluster(t)
	ns := cl.Namespace(t)
	a := startCandidate(t, cl, ns, "gw-a", true)
	b := startCandidate(t, cl, ns, "gw-b", true)
	leader, other := oneLeader(t, a, b)
	leader.stop() // keeps the Lease, as a killed process would
	took := waitFor(t, 8*time.Second, "take-over after the lease expired", other.leading)
	t.Logf("take-over after a crash: %v", took)
	if took < time.Second {
		t.Fatalf("took over after %v, before the 2 s lease could expire: the old lease was released", took)
	}
}

func TestLeadAgainAfterWinningAgain(t *testing.T) {
	cl := kube.Cluster(t)
	ns := cl.Namespace(t)
	a := startCandidate(t, cl, ns, "gw-a", false)
	waitFor(t, 10*time.Second, "a leads alone", a.leading)
	// Someone else takes the Lease: a loses it; when the intruder does
	// not renew, a wins it back and leads a second time.
	ctx := context.Background()
	leases := cl.Client.CoordinationV1().Leases(ns)
	// a renews every few hundred milliseconds, so an update may meet a
	// newer version: read again and retry, as any writer of a Lease must.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		lease, err := leases.Get(ctx, "shoal-autoscaler", metav1.GetOptions{})
		if err != nil {
			return err
		}
		intruder, now := "intruder", metav1.NewMicroTime(time.Now())
		lease.Spec.HolderIdentity, lease.Spec.RenewTime, lease.Spec.AcquireTime = &intruder, &now, &now
		_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a steps down", func() bool { return !a.leading() })
	waitFor(t, 10*time.Second, "a leads a second time", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.leads >= 2 && a.active
	})
}

func TestOptionsAreChecked(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("empty options accepted")
	}
}
