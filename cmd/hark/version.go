package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/harkmq/hark/cmd/internal/buildinfo"
)

// newVersionCmd is "hark version": what the binary was built from, the
// same line as "hark --version".
func (a *app) newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version: module version, VCS revision, Go version",
		Long: `Print what this hark binary was built from: the module version ("(devel)"
for a build inside the repository), the VCS commit and whether the work tree
had changes ("modified"), the commit's time and the Go version. "hark
--version" prints the same line.`,
		Example: `  hark version
  hark --version`,
		Args: cobra.NoArgs,
		RunE: a.verb(func(_ context.Context, _ []string) error {
			if _, err := fmt.Fprintf(a.out, "hark %s\n", buildinfo.Read()); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
			return nil
		}),
	}
}
