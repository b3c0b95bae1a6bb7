package transport_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/transport"
)

func TestParseURL(t *testing.T) {
	type host = transport.Host
	cases := []struct {
		name   string
		in     string
		scheme string
		driver string
		hosts  []host
		vhost  string
		hasVH  bool
		query  map[string]string
	}{
		{
			// spec §4.8 [verified]
			name: "oslo multi-host with quoted credentials", in: "rabbit://us%40er:p%3Aw:d@h1:5672,h2/v%2Fh",
			scheme: "rabbit", driver: "rabbit",
			hosts: []host{
				{Username: "us@er", Password: "p:w:d", HasCredentials: true, HasPassword: true, Hostname: "h1", Port: 5672},
				{Hostname: "h2"},
			},
			vhost: "v/h", hasVH: true,
		},
		{name: "no path", in: "rabbit://h", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}},
		{name: "empty vhost", in: "rabbit://h/", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}, hasVH: true},
		{name: "slash vhost", in: "rabbit://h//", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}, vhost: "/", hasVH: true},
		{name: "scheme lower-cased", in: "RaBbIt://H1", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "H1"}}},
		{name: "driver before plus", in: "kombu+amqp://h", scheme: "kombu+amqp", driver: "kombu", hosts: []host{{Hostname: "h"}}},
		{name: "no hosts", in: "rabbit://", scheme: "rabbit", driver: "rabbit"},
		{name: "opaque", in: "fake:", scheme: "fake", driver: "fake"},
		{name: "empty host pieces skipped", in: "rabbit://,h1,,h2,", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h1"}, {Hostname: "h2"}}},
		{
			name: "credentials are per host", in: "rabbit://u1:p1@h1,h2:5673,u3@h3",
			scheme: "rabbit", driver: "rabbit",
			hosts: []host{
				{Username: "u1", Password: "p1", HasCredentials: true, HasPassword: true, Hostname: "h1"},
				{Hostname: "h2", Port: 5673},
				{Username: "u3", HasCredentials: true, Hostname: "h3"},
			},
		},
		{
			name: "empty password differs from none", in: "rabbit://u:@h",
			scheme: "rabbit", driver: "rabbit",
			hosts: []host{{Username: "u", HasCredentials: true, HasPassword: true, Hostname: "h"}},
		},
		{
			name: "last at-sign splits user info", in: "rabbit://u:p@ss@h",
			scheme: "rabbit", driver: "rabbit",
			hosts: []host{{Username: "u", Password: "p@ss", HasCredentials: true, HasPassword: true, Hostname: "h"}},
		},
		{
			name: "credentials without host", in: "rabbit://u:p@/",
			scheme: "rabbit", driver: "rabbit",
			hosts: []host{{Username: "u", Password: "p", HasCredentials: true, HasPassword: true}},
			hasVH: true,
		},
		{
			name: "ipv6", in: "rabbit://[::1]:5672,[2001:db8::2]/vh",
			scheme: "rabbit", driver: "rabbit",
			hosts: []host{{Hostname: "::1", Port: 5672}, {Hostname: "2001:db8::2"}},
			vhost: "vh", hasVH: true,
		},
		{name: "empty port", in: "rabbit://h:/", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}, hasVH: true},
		{
			name: "query parse_qs", in: "rabbit://h/?a=1&a=2&b=x+y&c=&d&e=%2C&&amqp_durable_queues=true",
			scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}, hasVH: true,
			query: map[string]string{"a": "1,2", "b": "x y", "e": ",", "amqp_durable_queues": "true"},
		},
		{
			name: "query without path", in: "nats://h:4222?mode=core",
			scheme: "nats", driver: "nats", hosts: []host{{Hostname: "h", Port: 4222}},
			query: map[string]string{"mode": "core"},
		},
		{name: "fragment dropped", in: "rabbit://h/v#frag", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}, vhost: "v", hasVH: true},
		{name: "malformed escape kept", in: "rabbit://h/%zz%4", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}, vhost: "%zz%4", hasVH: true},
		{name: "leading space and newline removed", in: " rabbit://h\n/v", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}, vhost: "v", hasVH: true},
		{name: "utf-8 vhost", in: "rabbit://h/%C3%A9t%C3%A9", scheme: "rabbit", driver: "rabbit", hosts: []host{{Hostname: "h"}}, vhost: "été", hasVH: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := transport.ParseURL(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.scheme, u.Scheme)
			assert.Equal(t, tc.driver, u.Driver)
			assert.Equal(t, tc.hosts, u.Hosts)
			assert.Equal(t, tc.vhost, u.VirtualHost)
			assert.Equal(t, tc.hasVH, u.HasVirtualHost)
			want := tc.query
			if want == nil {
				want = map[string]string{}
			}
			assert.Equal(t, want, u.Query)
		})
	}
}

func TestParseURL_errors(t *testing.T) {
	cases := []struct {
		name, in, errSub string
	}{
		{"empty", "", "No scheme specified"},
		{"no scheme", "//u:s3cr3t@h", "No scheme specified"},
		{"scheme starts with digit", "1rabbit://h", "No scheme specified"},
		{"bad port", "rabbit://u:s3cr3t@h1:abc", `host 1: "h1" has a port that is not a number`},
		{"port out of range", "rabbit://h0,u:s3cr3t@h1:70000", `host 2: "h1" has a port that is not a number between 0 and 65535`},
		{"negative port", "rabbit://h1:-1", `"h1" has a port`},
		// An unencoded '/' ends the netloc inside the password: the "port"
		// is then a piece of the password and must not be echoed.
		{"slash in password", "rabbit://u:s3cr3t/x@h:5672", `"u" has a port that is not a number`},
		{"unclosed ipv6", "rabbit://u:s3cr3t@[::1", "no closing ']'"},
		{"junk after ipv6", "rabbit://[::1]x", "unexpected text after IPv6 address [::1]"},
		{"ipv4 in brackets", "rabbit://[10.0.0.1]:5672", "invalid IPv6 address [10.0.0.1]"},
		{"not an address", "rabbit://[nope]", "invalid IPv6 address [nope]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := transport.ParseURL(tc.in)
			require.Error(t, err)
			assert.Nil(t, u)
			require.ErrorIs(t, err, transport.ErrInvalidURL)
			assert.Contains(t, err.Error(), tc.errSub)
			assert.NotContains(t, err.Error(), "s3cr3t", "an error must never contain a password")
		})
	}
}

func TestURL_Redacted(t *testing.T) {
	cases := []struct{ in, want string }{
		{"rabbit://us%40er:p%3Aw:d@h1:5672,h2/v%2Fh", "rabbit://us%40er:***@h1:5672,h2/v/h"},
		{"rabbit://h", "rabbit://h"},
		{"rabbit://h/", "rabbit://h/"},
		{"rabbit://h//", "rabbit://h//"},
		{"rabbit://u@h/", "rabbit://u@h/"},
		{"rabbit://u:@h/", "rabbit://u:***@h/"},
		{"rabbit://[::1]:5672/", "rabbit://[::1]:5672/"},
		{"rabbit://h/v%20h%3F?b=2&a=1&a=x+y", "rabbit://h/v%20h%3F?a=1%2Cx+y&b=2"},
		{"kafka://h/?sasl_password=hunter2&ssl=true", "kafka://h/?sasl_password=***&ssl=true"},
		{"fake:", "fake://"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			u, err := transport.ParseURL(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, u.Redacted())
			assert.Equal(t, tc.want, u.String())
		})
	}
}

func TestURL_Redacted_reparses(t *testing.T) {
	in := "kombu+amqp://us%40er:p%3Aw:d@h1:5672,[::1],u2:x@h3/v%2Fh%3F%23?b=2&a=1&a=x+y"
	u, err := transport.ParseURL(in)
	require.NoError(t, err)
	back, err := transport.ParseURL(u.Redacted())
	require.NoError(t, err)
	for i := range u.Hosts {
		u.Hosts[i].Password = map[bool]string{true: "***"}[u.Hosts[i].HasPassword]
	}
	assert.Equal(t, u, back)
}

func TestURL_neverPrintsPassword(t *testing.T) {
	u, err := transport.ParseURL("rabbit://user:hunter2@h1:5672,bob:hunter2@h2/vh")
	require.NoError(t, err)
	require.Equal(t, "hunter2", u.Hosts[0].Password, "drivers get the real password")
	for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
		assert.NotContains(t, fmt.Sprintf(verb, u), "hunter2", verb)
		assert.NotContains(t, fmt.Sprintf(verb, *u), "hunter2", verb)
		assert.NotContains(t, fmt.Sprintf(verb, u.Hosts[0]), "hunter2", verb)
	}
	assert.Equal(t, "user:***@h1:5672", u.Hosts[0].String())
	var nilURL *transport.URL
	assert.Equal(t, "<nil>", nilURL.String())
}

func TestHost_Addr(t *testing.T) {
	assert.Equal(t, "h:5672", transport.Host{Hostname: "h"}.Addr(5672))
	assert.Equal(t, "h:1234", transport.Host{Hostname: "h", Port: 1234}.Addr(5672))
	assert.Equal(t, "[::1]:4222", transport.Host{Hostname: "::1"}.Addr(4222))
}

func mustURL(t *testing.T, s string) *transport.URL {
	t.Helper()
	u, err := transport.ParseURL(s)
	require.NoError(t, err)
	return u
}

func TestURL_CheckOptions(t *testing.T) {
	u := mustURL(t, "rabbit://h/?ssl=true&zeta=1&alpha=2")
	require.NoError(t, u.CheckOptions("ssl", "zeta", "alpha", "unused"))

	err := u.CheckOptions("ssl", "heartbeat_timeout_threshold", "amqp_durable_queues")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Contains(t, err.Error(), `unknown options "alpha", "zeta" for scheme rabbit`)
	assert.Contains(t, err.Error(), "(valid: amqp_durable_queues, heartbeat_timeout_threshold, ssl)")

	err = mustURL(t, "memory://?x=1").CheckOptions()
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.Contains(t, err.Error(), `unknown option "x" for scheme memory (valid: none)`)

	require.NoError(t, mustURL(t, "memory://").CheckOptions())
}

func TestURL_Option(t *testing.T) {
	u := mustURL(t, "nats://h?mode=core")
	v, ok := u.Option("mode")
	assert.True(t, ok)
	assert.Equal(t, "core", v)
	_, ok = u.Option("nope")
	assert.False(t, ok)
}

func TestURL_BoolOption(t *testing.T) {
	cases := []struct {
		query  string
		def    bool
		want   bool
		errSub string
	}{
		{"", true, true, ""},
		{"", false, false, ""},
		{"k=true", false, true, ""},
		{"k=True", false, true, ""},
		{"k=YES", false, true, ""},
		{"k=on", false, true, ""},
		{"k=1", false, true, ""},
		{"k=false", true, false, ""},
		{"k=No", true, false, ""},
		{"k=OFF", true, false, ""},
		{"k=0", true, false, ""},
		{"k=maybe", false, false, `option k="maybe" is not a boolean`},
		{"k=2", false, false, `option k="2" is not a boolean`},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got, err := mustURL(t, "rabbit://h/?"+tc.query).BoolOption("k", tc.def)
			if tc.errSub != "" {
				require.ErrorIs(t, err, transport.ErrInvalidURL)
				assert.Contains(t, err.Error(), tc.errSub)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestURL_IntOption(t *testing.T) {
	cases := []struct {
		query  string
		want   int
		errSub string
	}{
		{"", 7, ""},
		{"k=10", 10, ""},
		{"k=-3", -3, ""},
		{"k=+%205", 5, ""},
		{"k=5+5", 0, `option k="5 5" is not an integer`},
		{"k=1.5", 0, `option k="1.5" is not an integer`},
		{"k=ten", 0, `option k="ten" is not an integer`},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got, err := mustURL(t, "rabbit://h/?"+tc.query).IntOption("k", 7)
			if tc.errSub != "" {
				require.ErrorIs(t, err, transport.ErrInvalidURL)
				assert.Contains(t, err.Error(), tc.errSub)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestURL_DurationOption(t *testing.T) {
	cases := []struct {
		query  string
		want   time.Duration
		errSub string
	}{
		{"", time.Minute, ""},
		{"k=60", time.Minute, ""},
		{"k=0.5", 500 * time.Millisecond, ""},
		{"k=0", 0, ""},
		{"k=1m30s", 90 * time.Second, ""},
		{"k=250ms", 250 * time.Millisecond, ""},
		{"k=soon", 0, `option k="soon" is not a duration`},
		{"k=inf", 0, `option k="inf" is out of range`},
		{"k=1e300", 0, `option k="1e300" is out of range`},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got, err := mustURL(t, "rabbit://h/?"+tc.query).DurationOption("k", time.Minute)
			if tc.errSub != "" {
				require.ErrorIs(t, err, transport.ErrInvalidURL)
				assert.Contains(t, err.Error(), tc.errSub)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestURL_StringsOption(t *testing.T) {
	cases := []struct {
		query string
		want  []string
	}{
		{"", nil},
		{"k=a", []string{"a"}},
		{"k=a,b", []string{"a", "b"}},
		{"k=a&k=b", []string{"a", "b"}},
		{"k=+a+,,b,", []string{"a", "b"}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			assert.Equal(t, tc.want, mustURL(t, "rabbit://h/?"+tc.query).StringsOption("k"))
		})
	}
}

func TestURL_optionErrorsHideSecrets(t *testing.T) {
	u := mustURL(t, "kafka://h/?sasl_password_ttl=hunter2")
	_, err := u.IntOption("sasl_password_ttl", 0)
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.Contains(t, err.Error(), `sasl_password_ttl="***" is not an integer`)
}

// FuzzParseURL: parsing never panics, and Redacted parses back to the same
// URL with each password replaced by "***".
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"rabbit://us%40er:p%3Aw:d@h1:5672,h2/v%2Fh",
		"kombu+amqp://u:p@[::1]:5672,h2/?a=1&a=2&b=x+y",
		"nats://h:4222?mode=core#frag",
		"fake:",
		"rabbit://h//%zz?%41=%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := transport.ParseURL(s)
		if err != nil {
			require.ErrorIs(t, err, transport.ErrInvalidURL)
			return
		}
		back, err := transport.ParseURL(u.Redacted())
		require.NoError(t, err, "redacted form %q", u.Redacted())
		// A host with nothing at all (":" between commas) prints as
		// nothing, as in oslo's TransportURL.__str__, and so disappears.
		var hosts []transport.Host
		for _, h := range u.Hosts {
			if h.HasPassword {
				h.Password = "***"
			}
			if h != (transport.Host{}) {
				hosts = append(hosts, h)
			}
		}
		u.Hosts = hosts
		for k := range u.Query {
			if strings.Contains(strings.ToLower(k), "password") || strings.Contains(strings.ToLower(k), "passwd") ||
				strings.Contains(strings.ToLower(k), "secret") || strings.Contains(strings.ToLower(k), "token") {
				u.Query[k] = "***"
			}
		}
		require.Equal(t, u, back, "redacted form %q", u.Redacted())
	})
}

func TestURL_ChoiceOption(t *testing.T) {
	u, err := transport.ParseURL("kafka://h/?security_protocol=+sasl_ssl+&codec=Zstd&ssl_client_key_password=hunter2")
	require.NoError(t, err)

	got, err := u.ChoiceOption("security_protocol", "PLAINTEXT", strings.ToUpper, "PLAINTEXT", "SASL_SSL")
	require.NoError(t, err)
	assert.Equal(t, "SASL_SSL", got, "trimmed and folded")

	got, err = u.ChoiceOption("unset", "none", strings.ToLower, "none", "gzip")
	require.NoError(t, err)
	assert.Equal(t, "none", got, "the default when the option is not set")

	_, err = u.ChoiceOption("codec", "", nil, "zstd", "lz4")
	require.ErrorIs(t, err, transport.ErrInvalidURL)
	assert.EqualError(t, err, transport.ErrInvalidURL.Error()+`: option codec="Zstd" is not supported (valid: zstd, lz4)`, "nil fold keeps the case")

	_, err = u.ChoiceOption("ssl_client_key_password", "", nil, "a")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2", "a secret option's value is never shown")
}
