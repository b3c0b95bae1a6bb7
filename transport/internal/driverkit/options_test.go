package driverkit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
	"github.com/harkmq/hark/transport/internal/driverkit"
)

func TestOpt(t *testing.T) {
	const o = driverkit.Opt("kafka")

	var d time.Duration
	require.NoError(t, driverkit.SetPositive(o, &d, time.Second, "lease"))
	assert.Equal(t, time.Second, d)
	err := driverkit.SetPositive(o, &d, 0, "lease")
	require.ErrorIs(t, err, transport.ErrInvalidConfig)
	assert.EqualError(t, err, "kafka: "+transport.ErrInvalidConfig.Error()+": lease 0s must be positive")
	assert.Equal(t, time.Second, d, "a rejected value is not stored")

	n := 7
	require.NoError(t, driverkit.SetNonNegative(o, &n, 0, "max deliveries"))
	assert.Zero(t, n)
	assert.EqualError(t, driverkit.SetNonNegative(o, &n, -2, "max deliveries"),
		"kafka: "+transport.ErrInvalidConfig.Error()+": max deliveries -2 is negative")

	var l *zap.Logger
	require.ErrorIs(t, o.Logger(&l, nil), transport.ErrInvalidConfig)
	nop := zap.NewNop()
	require.NoError(t, o.Logger(&l, nop))
	assert.Same(t, nop, l)

	ex := "openstack"
	require.ErrorIs(t, o.Exchange(&ex, "bad name"), target.ErrInvalidTarget)
	assert.Equal(t, "openstack", ex)
	require.NoError(t, o.Exchange(&ex, "nova"))
	assert.Equal(t, "nova", ex)
}

func TestSetBetween(t *testing.T) {
	const o = driverkit.Opt("kafka")
	d := time.Second
	require.NoError(t, driverkit.SetBetween(o, &d, 0, 0, time.Minute, "join wait"))
	assert.Zero(t, d, "the bounds are inside")
	require.NoError(t, driverkit.SetBetween(o, &d, time.Minute, 0, time.Minute, "join wait"))
	assert.Equal(t, time.Minute, d)
	err := driverkit.SetBetween(o, &d, 2*time.Minute, 0, time.Minute, "join wait")
	require.ErrorIs(t, err, transport.ErrInvalidConfig)
	assert.EqualError(t, err, "kafka: "+transport.ErrInvalidConfig.Error()+": join wait 2m0s is out of range (0s..1m0s)")
	assert.Equal(t, time.Minute, d, "a rejected value is not stored")
}
