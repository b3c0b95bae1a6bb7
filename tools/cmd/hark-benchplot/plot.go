package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/harkmq/hark/tools/internal/benchplot"
)

// Exit codes, as hark's: scripts branch on them.
const (
	// exitOK: the chart was written.
	exitOK = 0
	// exitError: a report could not be read or drawn, or the chart not
	// written.
	exitError = 1
	// exitUsage: the command line is wrong (unknown flag, bad value).
	exitUsage = 2
)

// usageError marks an error as the command line being wrong, so it exits
// with exitUsage and points at --help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError; %w in format wraps as fmt.Errorf does.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// streams are the standard streams a run reads and writes: the chart goes
// to out only with "-o -"; the summary and errors go to err.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// plotFlags are the command line's settings.
type plotFlags struct {
	out    string
	format string
	width  int
	height int
	title  string
}

// run executes the command with args (without the program name) and
// returns the exit code.
func run(args []string, s streams) int {
	cmd := newCmd(s)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(s.err, "hark-benchplot: %v\n", err)
	var ue usageError
	if !errors.As(err, &ue) && !isFlagError(err) {
		return exitError
	}
	fmt.Fprintln(s.err, "Run 'hark-benchplot --help' for usage.")
	return exitUsage
}

// flagError marks cobra's own complaints about the command line (an
// unknown or malformed flag), which reach run as plain errors.
type flagError struct{ error }

func (e flagError) Unwrap() error { return e.error }

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

// newCmd builds the command, bound to s; each call returns a fresh one.
func newCmd(s streams) *cobra.Command {
	var f plotFlags
	cmd := &cobra.Command{
		Use:   "hark-benchplot [FILE...]",
		Short: "Chart saved hark bench reports (--json output) as a PNG, SVG or PDF",
		Long: `Read bench reports, as "hark bench ... --json" prints them (one JSON object
per line; several files, or standard input when none is given), and draw one
chart: throughput of every drain and fanout report, hark beside its
baselines, and the latency percentiles of the steady reports.

The extension of --output gives the format: .png, .svg or .pdf. "-o -"
writes to standard output, as PNG unless --format says otherwise; --format
also overrides the extension.

hark-benchplot is built from the tools module of hark's repository, apart
from the library's, which keeps its chart libraries out of the library's
go.mod:
  go build -C tools -o /tmp/hark-benchplot ./cmd/hark-benchplot`,
		Example: `  hark bench drain --url rabbit://guest:guest@127.0.0.1:5672/ --oslo --json > results.jsonl
  hark bench steady --json >> results.jsonl
  hark-benchplot -o bench.png results.jsonl
  hark-benchplot -o bench.svg results.jsonl
  hark bench drain --json | hark-benchplot -o - > bench.png`,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(_ *cobra.Command, files []string) error {
			return plot(s, f, files)
		},
	}
	cmd.SetIn(s.in)
	cmd.SetOut(s.out)
	cmd.SetErr(s.err)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError{err} })
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "", "the file to write: .png, .svg or .pdf, or - for standard output")
	fl.StringVar(&f.format, "format", "", "png, svg or pdf (default: from the --output extension; png for -)")
	fl.IntVar(&f.width, "width", 1400, "image width in pixels (SVG and PDF: at 96 dpi)")
	fl.IntVar(&f.height, "height", 600, "image height in pixels (SVG and PDF: at 96 dpi)")
	fl.StringVar(&f.title, "title", "", `title above the charts (default "hark bench")`)
	return cmd
}

// plot reads the reports in files (standard input when there are none),
// draws them and writes the chart where f.out says.
func plot(s streams, f plotFlags, files []string) error {
	if f.out == "" {
		return usagef("--output is required: the file the chart goes to (.png, .svg or .pdf), or - for standard output")
	}
	format := f.format
	if format == "" && f.out != "-" {
		ext, err := benchplot.FormatOf(f.out)
		if err != nil {
			return usagef("--output %s: the extension gives the format: .png, .svg or .pdf (or set --format)", f.out)
		}
		format = ext
	}
	if format == "" {
		format = benchplot.FormatPNG
	}
	reports, err := readReports(s.in, files)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	opts := []benchplot.Option{benchplot.WithSize(f.width, f.height), benchplot.WithFormat(format)}
	if f.title != "" {
		opts = append(opts, benchplot.WithTitle(f.title))
	}
	if err := benchplot.Render(&buf, reports, opts...); err != nil {
		if errors.Is(err, benchplot.ErrInvalidSize) || errors.Is(err, benchplot.ErrInvalidFormat) {
			return usageError{err}
		}
		return err
	}
	if f.out == "-" {
		if _, err := s.out.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(f.out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	noun := "reports"
	if len(reports) == 1 {
		noun = "report"
	}
	fmt.Fprintf(s.err, "wrote %s (%d %s)\n", f.out, len(reports), noun)
	return nil
}

// readReports reads the reports of files, in order, or of in when there
// are none.
func readReports(in io.Reader, files []string) ([]benchplot.Report, error) {
	if len(files) == 0 {
		return benchplot.ReadReports(in, "standard input")
	}
	var all []benchplot.Report
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		reports, err := benchplot.ReadReports(fh, name)
		_ = fh.Close()
		if err != nil {
			return nil, err
		}
		all = append(all, reports...)
	}
	return all, nil
}
