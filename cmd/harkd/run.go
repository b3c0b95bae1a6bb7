package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/harkmq/hark/cmd/internal/config"
	"github.com/harkmq/hark/transport/oslo"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // runtime failure, invalid config, unclean shutdown
	exitUsage   = 2 // bad command line
)

// run is harkd without the process around it: args without the program
// name, the standard streams, the environment. It returns the exit code.
func run(args []string, stdout, stderr io.Writer, environ []string) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "harkd: %v\n", err)
		return exitUsage
	}
	if o.help {
		o.fs.Usage()
		return exitOK
	}
	if o.version {
		fmt.Fprintf(stdout, "harkd %s\n", version())
		return exitOK
	}

	load := func() (*config.Config, error) {
		return config.Load(config.Options{File: o.configFile, Environ: environ, Overrides: o.overrides()})
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(stderr, "harkd: invalid config:\n%s\n", indent(err.Error()))
		return exitFailure
	}
	if o.printConfig {
		fmt.Fprint(stdout, cfg.YAML())
	}
	if o.check {
		for _, w := range cfg.Warnings {
			fmt.Fprintf(stderr, "harkd: warning: %s\n", w)
		}
		name := o.configFile
		if name == "" {
			name = "the default config"
		}
		fmt.Fprintf(stderr, "harkd: %s is valid\n", name)
		return exitOK
	}
	if o.printConfig {
		return exitOK
	}

	// The daemon's redactor: it starts with this config's secrets, and a
	// reload adds the new config's.
	redactor := cfg.Redactor()
	log, level, err := newLogger(cfg.Log, stderr, redactor)
	if err != nil {
		fmt.Fprintf(stderr, "harkd: log: %v\n", err)
		return exitFailure
	}
	defer func() { _ = log.Sync() }()

	// Signals are caught before anything starts, so a SIGTERM during
	// startup is a graceful stop, not a kill mid-way.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	// One budget for the process: a reload's old and new listeners
	// decompress side by side.
	budget, err := oslo.NewDecompressionBudget(oslo.DefaultDecompressionBudget)
	if err != nil {
		fmt.Fprintf(stderr, "harkd: %v\n", err)
		return exitFailure
	}
	d := &daemon{
		budget:   budget,
		log:      log,
		level:    level,
		stdout:   stdout,
		stderr:   stderr,
		load:     load,
		redactor: redactor,
		sigs:     sigs,
		version:  version(),
	}
	return d.run(cfg)
}

// indent prefixes every line of s with two spaces.
func indent(s string) string {
	out := "  "
	for _, r := range s {
		out += string(r)
		if r == '\n' {
			out += "  "
		}
	}
	return out
}
