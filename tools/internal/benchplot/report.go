package benchplot

import "time"

// scenarioSteady names the scenario whose runs carry latency and whose
// throughput is the send rate, not a measure: the throughput panel leaves
// it out when other reports are there.
const scenarioSteady = "steady"

// Report is one report of "hark bench ... --json", as far as the chart
// reads it. hark prints more (the settings, the ratios, what harkd's
// processes cost); decoding ignores the rest. The JSON names are hark's
// (cmd/internal/bench.Report in the library's module, which this module
// cannot import): the test of hark-benchplot plots what a hark built from
// the repository prints, which keeps the two in step.
type Report struct {
	// Scenario is "drain", "steady" or "fanout".
	Scenario string `json:"scenario"`
	// Transport names the broker and mode: "rabbit", "nats-jetstream",
	// "nats-core" or "memory".
	Transport string `json:"transport"`
	// Runs holds one entry per contender, in the order they ran.
	Runs []Run `json:"runs"`
	// Host describes the machine the report was measured on.
	Host Host `json:"host"`
	// Started is when the run began.
	Started time.Time `json:"started"`
}

// Run is what one contender achieved.
type Run struct {
	// Name is "bare", "bare-envelope", "oslo", "hark", "harkd" or another
	// contender's.
	Name string `json:"name"`
	// MsgPerSec is the contender's throughput in its median round.
	MsgPerSec float64 `json:"msg_per_sec"`
	// Latency is the publish-to-handler latency (steady only).
	Latency *Latency `json:"latency,omitempty"`
}

// Latency holds publish-to-handler latency percentiles, in microseconds.
type Latency struct {
	P50 float64 `json:"p50_us"`
	P90 float64 `json:"p90_us"`
	P99 float64 `json:"p99_us"`
	Max float64 `json:"max_us"`
}

// Host describes where a report was measured.
type Host struct {
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
}
