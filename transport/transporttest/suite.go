package transporttest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/harkmq/hark/transport"
)

// testCase is one conformance test: the capabilities it needs and its body.
type testCase struct {
	name  string
	needs transport.Capabilities
	run   func(t *testing.T, e *env)
}

// group is a named set of tests, run as t.Run(group, ...) subtests.
type group struct {
	name  string
	tests []testCase
}

func groups() []group {
	return []group{
		{"Delivery", deliveryTests()},
		{"Routing", routingTests()},
		{"Requeue", requeueTests()},
		{"DeadLetter", deadLetterTests()},
		{"Groups", groupTests()},
		{"Start", startTests()},
		{"Lease", leaseTests()},
		{"Settle", settleTests()},
		{"Lifecycle", lifecycleTests()},
		{"Load", loadTests()},
	}
}

// Run runs the conformance suite against the driver cfg describes. Every
// test runs in parallel with the others, on its own exchange and topics,
// against transports from cfg.NewTransport. Tests needing a capability
// cfg.Capabilities lacks are skipped with "driver lacks <capability>".
func Run(t *testing.T, cfg Config) {
	if cfg.NewTransport == nil {
		t.Fatal("transporttest: Config.NewTransport is required")
	}
	cfg = cfg.withDefaults()
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					if missing := lacks(cfg.Capabilities, tc.needs); len(missing) > 0 {
						t.Skipf("driver lacks %s", strings.Join(missing, ", "))
					}
					if why, ok := cfg.Skip[g.name+"/"+tc.name]; ok {
						t.Skipf("not possible on this broker: %s", why)
					}
					t.Parallel()
					tc.run(t, newEnv(t, cfg))
				})
			}
		})
	}
}

// lacks names the capabilities in want that have lacks, with the names
// Capabilities.String uses. It walks the struct's fields so a capability
// added to transport.Capabilities needs no change here.
func lacks(have, want transport.Capabilities) []string {
	var missing []string
	hv, wv := reflect.ValueOf(have), reflect.ValueOf(want)
	for i := range wv.NumField() {
		if wv.Field(i).Kind() != reflect.Bool || !wv.Field(i).Bool() || hv.Field(i).Bool() {
			continue
		}
		one := transport.Capabilities{}
		reflect.ValueOf(&one).Elem().Field(i).SetBool(true)
		missing = append(missing, one.String())
	}
	return missing
}
