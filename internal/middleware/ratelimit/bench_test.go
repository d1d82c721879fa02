package ratelimit

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/middleware/ratelimit/redistest"
)

func BenchmarkLocalTake(b *testing.B) {
	s := NewLocal(nil)
	limits := []Limit{{Name: "s", Count: 1e6, Period: time.Second}, {Name: "d", Count: 1e9, Period: 24 * time.Hour}}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, _ = s.Take(context.Background(), "k"+strconv.Itoa(i%1024), limits)
			i++
		}
	})
}

func BenchmarkRedisTake(b *testing.B) {
	srv := redistest.Start(b)
	c := NewRedisClient(srv.Addr, "", 0, time.Second)
	defer c.Close()
	s := NewRedis(c, RedisOptions{Timeout: time.Second})
	limits := []Limit{{Name: "s", Count: 1e6, Period: time.Second}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Take(context.Background(), "k", limits); err != nil {
			b.Fatal(err)
		}
	}
}
