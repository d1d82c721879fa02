package activator_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/shoal-gw/shoal/internal/activator"
)

// A service at zero: the request is held, Wake asks for an instance, and
// Notify releases the request once the instance is ready.
func Example() {
	var ready atomic.Int64
	woken := make(chan struct{}, 1)
	act := activator.New(activator.Options{
		Service:  "api",
		Capacity: func() (int, int) { return int(ready.Load()), 0 },
		Wake:     func() { woken <- struct{}{} },
	})
	h := act.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "hello")
	}))

	go func() {
		<-woken // the autoscaler starts an instance...
		time.Sleep(10 * time.Millisecond)
		ready.Store(1) // ...which becomes ready
		act.Notify()
	}()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	waited, _ := time.ParseDuration(rec.Header().Get(activator.HeaderColdStart))
	fmt.Println(rec.Code, rec.Body.String(), waited >= 10*time.Millisecond)
	// Output: 200 hello true
}
