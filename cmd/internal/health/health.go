// Package health serves harkd's liveness and readiness probes.
//
// /healthz answers 200 while the process runs (liveness: restart me only
// if I stop answering). /readyz answers 200 only while every check passes
// (readiness: the transport is connected and the listener consuming), and
// 503 otherwise, with a JSON body saying which check failed and why, as
// Benthos's /ready does.
package health

import (
	"encoding/json"
	"net/http"
)

// Check is one readiness condition.
type Check struct {
	// Name identifies the check in the /readyz body, e.g. "transport".
	Name string
	// Func returns nil when the condition holds, else why not. It must be
	// cheap and must not block.
	Func func() error
}

// Status is a check's result in the /readyz body.
type Status struct {
	Name  string `json:"name"`
	Ready bool   `json:"ready"`
	Error string `json:"error,omitempty"`
}

// Report is the /readyz body.
type Report struct {
	Ready  bool     `json:"ready"`
	Checks []Status `json:"checks"`
}

// Evaluate runs the checks.
func Evaluate(checks []Check) Report {
	r := Report{Ready: true, Checks: make([]Status, 0, len(checks))}
	for _, c := range checks {
		s := Status{Name: c.Name, Ready: true}
		if err := c.Func(); err != nil {
			s.Ready, s.Error = false, err.Error()
			r.Ready = false
		}
		r.Checks = append(r.Checks, s)
	}
	return r
}

// Register adds /healthz and /readyz to mux.
func Register(mux *http.ServeMux, checks ...Check) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		rep := Evaluate(checks)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !rep.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(rep)
	})
}
