package benchplot

import "errors"

// Sentinel errors returned, wrapped, by [Render]. Test for them with
// [errors.Is]; the wrapping error names the offending report or option.
var (
	// ErrNoReports means Render was given no reports.
	ErrNoReports = errors.New("no reports to plot")
	// ErrNoRuns means a report has no runs.
	ErrNoRuns = errors.New("report has no runs")
	// ErrInvalidReport means a report holds something that cannot be
	// plotted: a run without a name, two runs with the same name, or a
	// throughput or latency figure that is negative, NaN or infinite.
	ErrInvalidReport = errors.New("invalid report")
	// ErrInvalidSize means the image size given with WithSize is out of
	// range.
	ErrInvalidSize = errors.New("invalid image size")
	// ErrInvalidFormat means the format given with WithFormat, or the
	// file extension given to FormatOf, is not png, svg or pdf.
	ErrInvalidFormat = errors.New("invalid image format")
)
