// Package benchplot renders the results of hark bench runs as a chart: a
// PNG image, an SVG drawing or a PDF page.
//
// [Render] draws one image holding a header and up to two panels side by
// side:
//
//   - Throughput: one group of bars per report, in the order given, labelled
//     "<transport> <scenario>" (for example "rabbit drain"), with one bar per
//     contender that ran in that report, each labelled with its msg/s (for
//     example "51.2k"). The y axis is linear, in msg/s, starting at zero.
//   - Latency: drawn only when at least one run carries a [Latency]
//     (the steady scenario). One group of bars per percentile (p50, p90,
//     p99, max) of each such report, with one bar per contender, on a
//     logarithmic y axis whose ticks and bar labels read as durations
//     ("250µs", "1ms", "23.4ms"). When no run carries latency the panel is
//     omitted and the throughput panel takes the full width.
//
// Within a group the bars of the contenders present are centred, in the
// order hark, harkd, bare, bare-envelope, oslo, then any other contender
// in order of first appearance. Each contender keeps one colour in both
// panels and in their legends (hark blue, harkd sky blue, bare orange,
// bare-envelope vermillion, oslo green, from the Okabe-Ito
// colour-blind-safe palette).
//
// Each panel has a legend at its top right; the y axis is extended so
// that no bar or value label reaches it. When the group labels do not fit
// on one line they are broken over two, or failing that slanted; when the
// value labels are wider than the bars they are turned upright.
//
// The header shows a title and a caption describing the host of the first
// report (CPUs, Go version, OS/arch, start time), noting when later
// reports ran on another host.
package benchplot
