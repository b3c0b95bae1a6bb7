package plural

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCount(t *testing.T) {
	assert.Equal(t, "1 dead letter", Count(1, "dead letter"))
	assert.Equal(t, "0 dead letters", Count(0, "dead letter"))
	assert.Equal(t, "2 dead letters", Count(int64(2), "dead letter"))
	assert.Equal(t, "1 process", Count(1, "process"))
	assert.Equal(t, "3 processes", Count(3, "process"))
	assert.Equal(t, "2 batches", Count(2, "batch"))
	assert.Equal(t, "4 CPUs", Count(4, "CPU"))
	assert.Equal(t, "notification", Noun(uint(1), "notification"))
	assert.Equal(t, "notifications", Noun(10, "notification"))
}
