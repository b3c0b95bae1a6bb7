package rabbit

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSettledTags: the prefix ends at the first unsettled tag, and the
// settled tags above it are kept as merged runs.
func TestSettledTags(t *testing.T) {
	for _, c := range []struct {
		name   string
		add    []uint64
		prefix uint64
		runs   []tagRun
	}{
		{"empty", nil, 0, nil},
		{"in order", []uint64{1, 2, 3}, 3, nil},
		{"gap at 1", []uint64{2, 3, 5}, 0, []tagRun{{2, 3}, {5, 5}}},
		{"gap filled pulls the run in", []uint64{2, 3, 1}, 3, nil},
		{"gap filled stops at the next gap", []uint64{3, 2, 5, 6, 1}, 3, []tagRun{{5, 6}}},
		{"run joins the one above", []uint64{2, 4, 3}, 0, []tagRun{{2, 4}}},
		{"run grows downwards", []uint64{5, 4}, 0, []tagRun{{4, 5}}},
		{"inserted between runs", []uint64{2, 8, 5}, 0, []tagRun{{2, 2}, {5, 5}, {8, 8}}},
		{"slow low tag: one run however many above", []uint64{2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, []tagRun{{2, 10}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s settledTags
			for _, tag := range c.add {
				require.True(t, s.add(tag), "first add of %d", tag)
			}
			assert.Equal(t, c.prefix, s.prefix)
			assert.Equal(t, c.runs, append([]tagRun(nil), s.runs...))
			for _, tag := range c.add {
				assert.False(t, s.add(tag), "second add of %d", tag)
				assert.True(t, s.has(tag))
			}
		})
	}
}

// TestSettledTagsModel compares settledTags with a plain set over random
// settle orders: same membership, the prefix is the first gap minus one,
// runs stay sorted, disjoint and non-adjacent.
func TestSettledTagsModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := 1 + r.IntN(200)
		order := r.Perm(n)
		var s settledTags
		model := map[uint64]bool{}
		for i, k := range order {
			if r.IntN(10) == 0 && i > 0 {
				continue // some tags stay unsettled
			}
			tag := uint64(k + 1)
			if got := s.add(tag); got == model[tag] {
				t.Fatalf("round %d: add(%d) = %v with the tag settled already: %v", round, tag, got, model[tag])
			}
			model[tag] = true

			var prefix uint64
			for model[prefix+1] {
				prefix++
			}
			if s.prefix != prefix {
				t.Fatalf("round %d: prefix %d, want %d", round, s.prefix, prefix)
			}
			next := s.prefix + 2 // the lowest a run may start: prefix+1 is unsettled
			for _, run := range s.runs {
				if run.lo < next || run.hi < run.lo {
					t.Fatalf("round %d: runs %v not sorted, disjoint, non-adjacent above prefix+1 = %d", round, s.runs, s.prefix+1)
				}
				next = run.hi + 2
			}
		}
		for k := uint64(1); k <= uint64(n)+1; k++ {
			require.Equal(t, model[k], s.has(k), "round %d has(%d)", round, k)
		}
	}
}
