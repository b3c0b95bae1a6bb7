package nats

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"

	"github.com/harkmq/hark/transport"
)

// TestSetStart_predecessorWithoutAFloor: a pool's new shape whose
// predecessor has acknowledged nothing (or whose acks the server has not
// applied yet) starts at the stream's first message, not at new ones: what
// the pool missed while it was down is delivered, at least once.
func TestSetStart_predecessorWithoutAFloor(t *testing.T) {
	var cc jetstream.ConsumerConfig
	preds := []*jetstream.ConsumerInfo{{AckFloor: jetstream.SequenceInfo{Stream: 0}}}
	setStart(&cc, transport.ListenConfig{Pool: "billing"}, preds, 0)
	assert.Equal(t, jetstream.DeliverByStartSequencePolicy, cc.DeliverPolicy)
	assert.Equal(t, uint64(1), cc.OptStartSeq)

	cc = jetstream.ConsumerConfig{}
	preds = []*jetstream.ConsumerInfo{{AckFloor: jetstream.SequenceInfo{Stream: 7}}, {AckFloor: jetstream.SequenceInfo{Stream: 4}}}
	setStart(&cc, transport.ListenConfig{Pool: "billing"}, preds, 0)
	assert.Equal(t, uint64(5), cc.OptStartSeq, "the lowest floor of the group's shapes")
}
