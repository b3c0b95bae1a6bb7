package rabbit

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

// TestOpen_wrongPasswordIsCredentialsRefused: RabbitMQ's 403
// ACCESS_REFUSED comes back as transport.ErrCredentialsRefused, so a
// caller can tell it from an unreachable broker, without the password.
func TestOpen_wrongPasswordIsCredentialsRefused(t *testing.T) {
	u, err := url.Parse(rabbitURL(t))
	require.NoError(t, err)
	u.User = url.UserPassword(u.User.Username(), "not-the-password-x9")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err = transport.Open(ctx, u.String())
	require.ErrorIs(t, err, transport.ErrCredentialsRefused)
	assert.Contains(t, err.Error(), "403")
	assert.NotContains(t, err.Error(), "not-the-password-x9")

	// An unreachable broker is not a refusal.
	_, err = transport.Open(ctx, "rabbit://guest:guest@127.0.0.1:1/?rabbit_retry_interval=0")
	require.Error(t, err)
	assert.NotErrorIs(t, err, transport.ErrCredentialsRefused)
}
