package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// newBenchCmd is a placeholder for the throughput and latency benchmark,
// which the performance issue builds. It takes any arguments (--help
// included), so a script written against the future flags fails with this
// message rather than a flag error.
func (a *app) newBenchCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "bench",
		Short:              "Measure throughput and latency (not yet implemented: see issue 6)",
		DisableFlagParsing: true,
		RunE: a.verb(func(context.Context, []string) error {
			return fmt.Errorf("bench: %w: see issue 6", errNotImplemented)
		}),
	}
}
