package httpserver

import (
	"net/http/httptest"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/kikundi/kikundi/internal/database"
	"github.com/kikundi/kikundi/internal/dbtest"
)

func TestReadyz(t *testing.T) {
	db := dbtest.Postgres(t)
	rdb, _ := dbtest.Redis(t)

	closedRedis := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
	closedRedis.Close()
	nowhere := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { nowhere.Close() })

	closedDB := dbtest.Postgres(t)
	if err := database.ClosePostgres(closedDB); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		opts       Options
		wantStatus int
		want       map[string]string
	}{
		{"both up", Options{DB: db, Redis: rdb}, 200, map[string]string{"postgres": "ok", "redis": "ok"}},
		{"redis closed", Options{DB: db, Redis: closedRedis}, 503, map[string]string{"postgres": "ok", "redis": "unavailable"}},
		{"redis unreachable", Options{DB: db, Redis: nowhere}, 503, map[string]string{"postgres": "ok", "redis": "unavailable"}},
		{"postgres closed", Options{DB: closedDB, Redis: rdb}, 503, map[string]string{"postgres": "unavailable", "redis": "ok"}},
		{"nothing configured", Options{}, 503, map[string]string{"postgres": "unavailable", "redis": "unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, _ := newTestApp(t, tt.opts)
			r := do(t, app, httptest.NewRequest("GET", "/readyz", nil))
			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d (%s)", r.status, tt.wantStatus, r.body)
			}
			got := jsonBody(t, r)
			if len(got) != len(tt.want) {
				t.Errorf("body = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (body %s)", k, got[k], v, r.body)
				}
			}
		})
	}
}
