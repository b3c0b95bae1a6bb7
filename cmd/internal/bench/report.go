package bench

import (
	"time"
)

// Report is the result of one hark bench run: the scenario, its settings,
// and one Run per contender (the bare client baselines, on RabbitMQ
// optionally the real oslo.messaging listener, hark, and optionally the
// harkd daemon), all measured in this run, one after the other, against
// the same broker. It is what
// --json prints, one JSON object per line.
type Report struct {
	// Scenario is "drain", "steady" or "fanout".
	Scenario string `json:"scenario"`
	// Transport names the broker and mode: "rabbit", "nats-jetstream",
	// "nats-core" or "memory".
	Transport string `json:"transport"`
	// URL is the transport URL with its password redacted.
	URL string `json:"url"`
	// Messages is how many notifications each contender consumed per
	// round (for fanout: per pool).
	Messages int `json:"messages"`
	// BodyBytes is the size of one encoded notification body.
	BodyBytes int `json:"body_bytes"`
	// Mix is set when the notifications were spread over the seven
	// priorities (90% info, the rest evenly over the other six) and every
	// contender consumed all seven; otherwise all were info.
	Mix bool `json:"mix,omitempty"`
	// Prefetch, Workers, Executor, Batch describe hark's listener; the
	// bare client uses the same prefetch.
	Prefetch int    `json:"prefetch"`
	Workers  int    `json:"workers"`
	Executor string `json:"executor"`
	Batch    int    `json:"batch,omitempty"`
	// Pools is the number of pools (fanout), 1 otherwise.
	Pools int `json:"pools"`
	// Rate is the publish rate in msg/s (steady), 0 otherwise.
	Rate int `json:"rate,omitempty"`
	// Rounds is how many times each contender ran; its figures are the
	// median round by throughput.
	Rounds int `json:"rounds"`
	// Runs holds one entry per contender, in the order they ran.
	Runs []Run `json:"runs"`
	// Ratios compares each of hark's contenders (hark, harkd) with each
	// of the others (bare, bare-envelope, oslo).
	Ratios []Ratio `json:"ratios"`
	// Host describes the machine: Go version, CPUs, OS/arch.
	Host Host `json:"host"`
	// Started is when the run began.
	Started time.Time `json:"started"`
	// RunID names what the run declared on the broker: round r of
	// contender c used exchange and topic "harkbench_<run_id>_<c><r>" and
	// pools "harkbench_<run_id>_<c><r>_pool<n>", all deleted afterwards.
	RunID string `json:"run_id"`
}

// Run is what one contender achieved.
type Run struct {
	// Name is "bare", "bare-envelope", "oslo", "hark" or "harkd".
	Name string `json:"name"`
	// Client says what ran, e.g. "amqp091-go v1.16.0 consume+decode+ack".
	Client string `json:"client"`
	// Messages is how many notifications it handled in the median round
	// while its clock ran.
	Messages int `json:"messages"`
	// Warmup is how many notifications of the median round were handled
	// before its clock started, and so are not in Messages (harkd: those
	// acknowledged by the time every process answered /readyz with 200).
	Warmup int `json:"warmup,omitempty"`
	// Seconds is the wall time of the median round, from the start of
	// consuming (harkd: from every process being ready) to the last
	// notification handled.
	Seconds float64 `json:"seconds"`
	// MsgPerSec is Messages / Seconds.
	MsgPerSec float64 `json:"msg_per_sec"`
	// RoundsMsgPerSec lists the throughput of every round.
	RoundsMsgPerSec []float64 `json:"rounds_msg_per_sec"`
	// Latency is the publish-to-handler latency (steady only).
	Latency *Latency `json:"latency,omitempty"`
	// Process describes, for a contender that runs as processes of its
	// own (harkd), what they cost in the median round.
	Process *Process `json:"process,omitempty"`
}

// Process is what the processes of one contender's round cost: harkd, one
// process per pool.
type Process struct {
	// Processes is how many ran at once.
	Processes int `json:"processes"`
	// StartupSeconds runs from starting them to the moment every one
	// answered /readyz with 200, where the clock starts.
	StartupSeconds float64 `json:"startup_seconds"`
	// ClockFromStart is set when the processes handled everything before
	// the clock could start: the round was then timed from their start,
	// startup included, with no warmup.
	ClockFromStart bool `json:"clock_from_start,omitempty"`
	// PeakRSSBytes is the largest peak resident set size (VmHWM) of the
	// processes, read when the last notification was acknowledged; 0
	// where /proc cannot tell.
	PeakRSSBytes int64 `json:"peak_rss_bytes,omitempty"`
	// CPUSeconds is the user plus system CPU time of all the processes
	// from their start (startup included) to the last notification
	// acknowledged; 0 where /proc cannot tell.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
}

// Latency holds publish-to-handler latency percentiles, in microseconds:
// from the moment a sender started to send the notification (its oslo
// timestamp, which has microsecond resolution) to the moment its handler
// ran. Sends are released on a fixed schedule to a pool of senders, so a
// send that blocks does not hold back the ones after it.
type Latency struct {
	P50 float64 `json:"p50_us"`
	P90 float64 `json:"p90_us"`
	P99 float64 `json:"p99_us"`
	Max float64 `json:"max_us"`
}

// Ratio compares one of hark's contenders with another contender: the
// throughput and, in steady reports, the latency percentiles.
type Ratio struct {
	// Of is "hark" or "harkd"; To names the other contender ("bare",
	// "bare-envelope", "oslo").
	Of string `json:"of"`
	To string `json:"to"`
	// Value is Of's msg/s divided by To's: above 1, Of is faster.
	Value float64 `json:"value"`
	// P50 and P99 are Of's latency percentiles divided by To's (steady
	// only, else 0): below 1, Of is quicker.
	P50 float64 `json:"p50,omitempty"`
	P99 float64 `json:"p99,omitempty"`
}

// Host describes where the run happened.
type Host struct {
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
}
