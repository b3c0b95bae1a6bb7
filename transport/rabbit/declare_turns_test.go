package rabbit

import (
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
)

// TestDeclareTurns: a declaration of a queue waits for the one under way,
// and only for one of the same queue.
func TestDeclareTurns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g declareTurns
		first := g.take("q")

		var second atomic.Bool
		go func() {
			done := g.take("q")
			second.Store(true)
			done()
		}()
		other := g.take("other") // another queue does not wait
		other()
		synctest.Wait()
		assert.False(t, second.Load(), "a second declaration of q ran while the first was under way")

		first()
		synctest.Wait()
		assert.True(t, second.Load(), "the second declaration of q still waits after the first ended")
		g.take("q")() // and nothing is left held
	})
}
