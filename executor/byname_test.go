package executor_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/executor"
)

func TestByName(t *testing.T) {
	f, err := executor.ByName("blocking", 10)
	require.NoError(t, err)
	assert.Equal(t, "blocking", f.Name())
	assert.Equal(t, 1, f.Workers())

	f, err = executor.ByName("pooled", 10)
	require.NoError(t, err)
	assert.Equal(t, "pooled", f.Name())
	assert.Equal(t, 10, f.Workers())
}

// TestByNameUnknown replicates oslo's test_unknown_executor: an
// ExecutorLoadFailure whose executor attribute is the name asked for.
func TestByNameUnknown(t *testing.T) {
	f, err := executor.ByName("foo", 4)
	assert.Nil(t, f)
	var le *executor.LoadError
	require.True(t, errors.As(err, &le))
	assert.Equal(t, "foo", le.Executor)
	assert.ErrorIs(t, err, executor.ErrUnknownExecutor)
	assert.Contains(t, err.Error(), `"foo"`)
	assert.Contains(t, err.Error(), "blocking, pooled")
	assert.Equal(t, executor.Names(), le.Valid)
}
