package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// verbArgs is the Args check of a command with verbs (hark, dlq, bench):
// an argument is an unknown verb, and the error suggests the verbs it is
// close to (cobra's SuggestionsFor: a typo within two edits, or a prefix).
// cobra's NoArgs suggests nothing.
func verbArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usagef("%s", msg)
}

// suggestVerbs gives every command of the tree under c that has verbs the
// verbArgs check.
func suggestVerbs(c *cobra.Command) {
	if c.HasSubCommands() {
		c.Args = verbArgs
		c.SuggestionsMinimumDistance = 2 // cobra's default, which SuggestionsFor alone does not apply
	}
	for _, sub := range c.Commands() {
		suggestVerbs(sub)
	}
}
