package target_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/target"
)

func TestValidateListen_requires_topic(t *testing.T) {
	err := target.Target{Exchange: "nova"}.ValidateListen()
	require.ErrorIs(t, err, target.ErrInvalidTarget)
	assert.Contains(t, err.Error(), "a target must have topic specified")
}

func TestValidate_names(t *testing.T) {
	cases := []struct {
		name   string
		tgt    target.Target
		errSub string
	}{
		{"ok", target.Target{Exchange: "openstack", Topic: "notifications"}, ""},
		{"dotted topic", target.Target{Topic: "versioned.notifications"}, ""},
		{"default exchange", target.Target{Topic: "notifications"}, ""},
		{"exchange with dot", target.Target{Exchange: "a.b", Topic: "t"}, `exchange "a.b" contains '.'`},
		{"wildcard topic", target.Target{Topic: "notif*"}, `topic "notif*" contains the wildcard '*'`},
		{"gt topic", target.Target{Topic: "a.>"}, `wildcard '>'`},
		{"space", target.Target{Topic: "a b"}, "whitespace"},
		{"empty token", target.Target{Topic: "a..b"}, "empty dot-separated token"},
		{"leading dot", target.Target{Topic: ".a"}, "empty dot-separated token"},
		{"slash", target.Target{Exchange: "a/b", Topic: "t"}, "path separator"},
		{"too long", target.Target{Topic: strings.Repeat("x", 256)}, "at most 255"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.tgt.ValidateListen()
			if tc.errSub == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, target.ErrInvalidTarget)
			assert.Contains(t, err.Error(), tc.errSub)
		})
	}
}

func TestWithDefaultExchange(t *testing.T) {
	assert.Equal(t, "openstack", target.Target{Topic: "n"}.WithDefaultExchange(target.DefaultExchange).Exchange)
	assert.Equal(t, "nova", target.Target{Exchange: "nova", Topic: "n"}.WithDefaultExchange(target.DefaultExchange).Exchange)
	assert.Equal(t, "<default>/n", target.Target{Topic: "n"}.String())
}
