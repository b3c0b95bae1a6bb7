package main

import (
	"strings"

	"github.com/spf13/pflag"
)

// suggestDistance is the most edits a typo may be from a flag to be
// suggested: cobra's default for its "did you mean".
const suggestDistance = 2

// unknownFlag returns the flag name a pflag parse error is about ("chek"
// from "unknown flag: --chek"), or "" for other errors.
func unknownFlag(err error) string {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: ")
	if !ok {
		return ""
	}
	return name
}

// suggestFlag returns "; did you mean --check?" when typed (a mistyped
// flag, or an argument such as "check" or "version" meant as one) is within
// suggestDistance edits of one of fs's flags, or a prefix of one; else "".
func suggestFlag(fs *pflag.FlagSet, typed string) string {
	typed = strings.ToLower(strings.TrimLeft(typed, "-"))
	if typed == "" {
		return ""
	}
	var best []string
	fs.VisitAll(func(f *pflag.Flag) {
		if distance(typed, f.Name) <= suggestDistance || (len(typed) > 1 && strings.HasPrefix(f.Name, typed)) {
			best = append(best, "--"+f.Name)
		}
	})
	if len(best) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(best, " or ") + "?"
}

// distance is the Levenshtein distance between a and b, in bytes (flag
// names are ASCII).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
