package shoalclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/admin"
	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/memory"
	"github.com/shoal-gw/shoal/pkg/shoalclient"
)

// noController is the least of a gateway the admin handler needs.
type noController struct{}

func (noController) ApplyConfig(context.Context, []byte) error { return nil }
func (noController) ConfigSource() []byte                      { return nil }
func (noController) ReloadStatus() api.ReloadStatus            { return api.ReloadStatus{} }
func (noController) Routes() []api.RouteInfo                   { return nil }
func (noController) Services() []api.ServiceInfo               { return nil }
func (noController) Service(string) (api.ServiceDetail, bool)  { return api.ServiceDetail{}, false }
func (noController) Ready() bool                               { return true }

// The registration API mounted into the real admin handler, as the
// integrator does: its routes must not clash with the admin's own, and the
// admin token must guard them.
func TestThroughTheAdminHandler(t *testing.T) {
	store, err := memory.Open(t.TempDir(), memory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := admin.Handler(noController{}, admin.Options{
		Token: token,
		Extra: func(mux *http.ServeMux) { registry.Mount(mux, store, nil) },
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	if _, err := shoalclient.Register(ctx, srv.URL, "api", "127.0.0.1:9003", 30*time.Second, nil); err == nil {
		t.Fatal("registration without the admin token succeeded")
	}
	reg, err := shoalclient.Register(ctx, srv.URL, "api", "127.0.0.1:9003", 30*time.Second, nil, shoalclient.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := store.List(ctx, "api"); len(got) != 1 || got[0].ID != reg.ID() {
		t.Fatalf("store holds %+v", got)
	}
	if err := reg.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.List(ctx, "api"); len(got) != 0 {
		t.Errorf("still registered after Deregister: %+v", got)
	}
}
