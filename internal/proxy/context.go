package proxy

import (
	"context"
	"net/url"
)

func contextWithTarget(ctx context.Context, target *url.URL) context.Context {
	return context.WithValue(ctx, targetKey{}, target)
}
