package health

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProbes(t *testing.T) {
	var down atomic.Bool
	mux := http.NewServeMux()
	Register(mux,
		Check{Name: "transport", Func: func() error {
			if down.Load() {
				return errors.New("reconnecting to 127.0.0.1:4222")
			}
			return nil
		}},
		Check{Name: "listener", Func: func() error { return nil }},
	)
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	code, _ := get("/healthz")
	assert.Equal(t, 200, code)
	code, _ = get("/readyz")
	assert.Equal(t, 200, code)

	down.Store(true)
	code, body := get("/readyz")
	assert.Equal(t, 503, code)
	var rep Report
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	assert.False(t, rep.Ready)
	assert.Equal(t, Status{Name: "transport", Error: "reconnecting to 127.0.0.1:4222"}, rep.Checks[0])
	code, _ = get("/healthz")
	assert.Equal(t, 200, code, "liveness does not depend on the broker")
}
