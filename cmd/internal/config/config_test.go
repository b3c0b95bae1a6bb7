package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkmq/hark/notify"
	"github.com/harkmq/hark/transport"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "harkd.yaml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestDefaults(t *testing.T) {
	c := Default()
	assert.Equal(t, "", c.TransportURL)
	assert.Equal(t, Embedded{Listen: "127.0.0.1:4222", StoreDir: "./hark-data"}, c.Embedded)
	l := c.Listener
	assert.Equal(t, []Target{{Exchange: "openstack", Topic: "notifications"}}, l.Targets)
	assert.Equal(t, "pooled", l.Executor)
	assert.Equal(t, 64, l.Workers)
	assert.Equal(t, 0, l.Prefetch)
	assert.Equal(t, Requeue{Allow: true, MaxDeliveries: 5, Backoff: []Duration{Duration(time.Second), Duration(10 * time.Second), Duration(time.Minute)}}, l.Requeue)
	assert.Equal(t, 30*time.Second, l.ShutdownTimeout.D())
	assert.Equal(t, Dedup{Size: notify.DefaultDedupSize}, l.Dedup, "the library's size; the window follows the lease")
	assert.Equal(t, "", l.Start)
	assert.Equal(t, transport.StartPosition{}, l.StartPosition())
	assert.Equal(t, 5*time.Second, c.Metrics.BacklogInterval.D())
	require.Len(t, c.Endpoints, 1)
	assert.Equal(t, "log", c.Endpoints[0].Type)
	assert.Equal(t, "log", c.Endpoints[0].Name)
	assert.NotNil(t, c.Endpoints[0].Log)
	assert.Equal(t, "127.0.0.1:9090", c.HTTP.Listen)
	assert.Equal(t, Log{Level: "info", Format: "json"}, c.Log)
	assert.Len(t, c.Listeners(), 1)
}

const designExample = `
transport_url: ""
embedded: {listen: "127.0.0.1:4222", store_dir: "./hark-data"}
listener:
  targets: [{exchange: openstack, topic: notifications}]
  pool: ""
  executor: pooled
  workers: 64
  prefetch: 0
  batch: {size: 0, timeout: 0s}
  requeue: {allow: true, max_deliveries: 5, backoff: [1s, 10s, 1m]}
  dead_letter: {topic: ""}
  shutdown_timeout: 30s
endpoints:
  - name: audit
    type: file
    path: ./notifications.jsonl
    priorities: [info, error]
    filter: {event_type: '^compute\.instance\.', payload: {state: '^active$'}}
  - name: billing
    type: webhook
    url: http://127.0.0.1:8080/hook
    headers: {Authorization: "Bearer ${BILLING_TOKEN}"}
    timeout: 5s
    retries: 3
    retries_delay: 1s
http: {listen: "127.0.0.1:9090"}
log: {level: info, format: json}
`

func TestDesignExampleLoads(t *testing.T) {
	c, err := Load(Options{File: writeFile(t, designExample), Environ: []string{"BILLING_TOKEN=s3cret"}})
	require.NoError(t, err)
	require.Len(t, c.Endpoints, 2)
	a := c.Endpoints[0]
	assert.Equal(t, "audit", a.Name)
	require.NotNil(t, a.File)
	assert.Equal(t, "./notifications.jsonl", a.File.Path)
	assert.Equal(t, `^compute\.instance\.`, a.Filter.EventType)
	assert.Equal(t, map[string]string{"state": "^active$"}, a.Filter.Payload)
	assert.Equal(t, []string{"info", "error"}, a.Priorities)
	b := c.Endpoints[1]
	require.NotNil(t, b.Webhook)
	assert.Equal(t, "Bearer s3cret", b.Webhook.Headers["Authorization"])
	assert.Equal(t, 5*time.Second, b.Webhook.Timeout.D())
	assert.Equal(t, 3, b.Webhook.Retries)

	out := c.YAML()
	assert.NotContains(t, out, "s3cret")
	assert.Contains(t, out, "Authorization: "+Redacted)
	assert.Contains(t, out, "shutdown_timeout: 30s")
	assert.Contains(t, out, "path: ./notifications.jsonl")

	// The printed config loads back to the same config (secrets aside).
	c2, err := Load(Options{File: writeFile(t, out)})
	require.NoError(t, err)
	assert.Equal(t, c.Listener, c2.Listener)
	assert.Equal(t, c.Endpoints[0], c2.Endpoints[0])
}

func TestLayering(t *testing.T) {
	file := writeFile(t, "listener: {pool: fromfile, workers: 8}\nlog: {level: debug}\n")
	c, err := Load(Options{
		File: file,
		Environ: []string{
			"HARK_LISTENER__POOL=billing",
			"HARK_EMBEDDED__LISTEN=127.0.0.1:5222",
			"HARK_HTTP__LISTEN=127.0.0.1:9999",
			"HARK_STARTUP_TIMEOUT=2m",
			"HARK_LISTENER__REQUEUE__BACKOFF=2s, 3s",
			"HARK_LISTENER__TARGETS=nova/versioned_notifications,notifications",
			"HARK_TEST_RABBIT_URL=amqp://x", // not a config key: ignored
			"PATH=/bin",
		},
		Overrides: map[string]any{"log.level": "warn", "transport_url": "memory://"},
	})
	require.NoError(t, err)
	assert.Equal(t, "billing", c.Listener.Pool) // env over file
	assert.Equal(t, 8, c.Listener.Workers)      // file over default
	assert.Equal(t, "127.0.0.1:5222", c.Embedded.Listen)
	assert.Equal(t, "127.0.0.1:9999", c.HTTP.Listen)
	assert.Equal(t, Duration(2*time.Minute), c.StartupTimeout)
	assert.Equal(t, []Duration{Duration(2 * time.Second), Duration(3 * time.Second)}, c.Listener.Requeue.Backoff)
	assert.Equal(t, []Target{{Exchange: "nova", Topic: "versioned_notifications"}, {Topic: "notifications"}}, c.Listener.Targets)
	assert.Equal(t, "warn", c.Log.Level) // flag over file
	assert.Equal(t, "memory://", c.TransportURL)
	require.Len(t, c.Warnings, 1)
	assert.Contains(t, c.Warnings[0], "HARK_TEST_RABBIT_URL")
}

func TestStrictErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		env        []string
		want       []string
	}{
		{"unknown top key", "transprt_url: x\n", nil, []string{"transprt_url", "unknown key", "transport_url"}},
		{"unknown nested key", "listener: {wrokers: 4}\n", nil, []string{"listener.wrokers", "unknown key", "workers"}},
		{"unknown deep key", "listener: {requeue: {alow: true}}\n", nil, []string{"listener.requeue.alow"}},
		{"unknown target key", "listener: {targets: [{topic: a, exchnage: b}]}\n", nil, []string{"listener.targets[0].exchnage"}},
		{"bad duration", "listener: {shutdown_timeout: 3x}\n", nil, []string{"listener.shutdown_timeout", `"3x"`}},
		{"bare number duration", "listener: {shutdown_timeout: 30}\n", nil, []string{"listener.shutdown_timeout", "unit"}},
		{"bad backoff", "listener: {requeue: {backoff: [1s, soon]}}\n", nil, []string{"listener.requeue.backoff[1]", `"soon"`}},
		{"bad int", "listener: {workers: many}\n", nil, []string{"listener.workers", `"many"`}},
		{"bad executor", "listener: {executor: threads}\n", nil, []string{"listener.executor", `"threads"`, "pooled"}},
		{"unknown endpoint type", "endpoints: [{type: kafka}]\n", nil, []string{"endpoints[0].type", `"kafka"`, "webhook"}},
		{"missing endpoint type", "endpoints: [{name: x}]\n", nil, []string{"endpoints[0].type", "missing"}},
		{"unknown endpoint key", "endpoints: [{type: webhook, url: 'http://x', path: /tmp/x}]\n", nil, []string{"endpoints[0].path", "webhook endpoint", "retries_delay"}},
		{"unknown priority", "endpoints: [{type: log, priorities: [info, warning]}]\n", nil, []string{"endpoints[0].priorities[1]", `"warning"`, "warn"}},
		{"bad regex", "endpoints: [{type: log, filter: {event_type: '^compute\\.(?=x)'}}]\n", nil, []string{"endpoints[0].filter.event_type", `'^compute\.(?=x)'`}},
		{"bad payload regex", "endpoints: [{type: log, filter: {payload: {state: '(['}}}]\n", nil, []string{"endpoints[0].filter.payload.state"}},
		{"unknown filter key", "endpoints: [{type: log, filter: {event: x}}]\n", nil, []string{"endpoints[0].filter.event", "unknown key", "event_type"}},
		{"endpoint duration", "endpoints: [{type: webhook, url: 'http://x', timeout: 5}]\n", nil, []string{"endpoints[0].timeout"}},
		{"file without path", "endpoints: [{type: file}]\n", nil, []string{"endpoints[0].path", "missing"}},
		{"duplicate names", "endpoints: [{type: log}, {type: log}]\n", nil, []string{"endpoints[1].name", `"log"`}},
		{"same file twice", "endpoints: [{name: a, type: file, path: x.jsonl}, {name: b, type: file, path: ./x.jsonl}]\n", nil, []string{"endpoints[1].path", "endpoints[0]"}},
		{"no endpoints", "endpoints: []\n", nil, []string{"endpoints", "at least one"}},
		{"bad transport url", "transport_url: 'kafak://h'\n", nil, []string{"transport_url", "kafak", "valid: ", "kafka"}},
		{"negative startup timeout", "startup_timeout: -1s\n", nil, []string{"startup_timeout", "negative"}},
		{"bad startup timeout", "startup_timeout: 30\n", nil, []string{"startup_timeout", "unit"}},
		{"unknown transport url option", "transport_url: 'rabbit://u:pw@h/?rabbit_qos_prefetch=5'\n", nil, []string{"transport_url", `unknown option "rabbit_qos_prefetch" for scheme rabbit (valid: `, "rabbit_qos_prefetch_count"}},
		{"bad transport url option value", "transport_url: 'nats://h?mode=push'\n", nil, []string{"transport_url", `mode="push" is not a mode`}},
		{"unknown forward url option", "endpoints: [{type: forward, topic: other, transport_url: 'nats://h?acks=1'}]\n", nil, []string{"endpoints[0].transport_url", `unknown option "acks"`, "ack_wait"}},
		{"forward loop", "endpoints: [{type: forward, topic: notifications}]\n", nil, []string{"endpoints[0].topic", "loop"}},
		{"missing env", "endpoints: [{type: webhook, url: 'http://${HOOK_HOST}/x'}]\n", nil, []string{"endpoints[0].url", "HOOK_HOST"}},
		{"env typo", "", []string{"HARK_LISTENER__WROKERS=3"}, []string{"HARK_LISTENER__WROKERS", "listener.wrokers"}},
		{"env endpoints", "", []string{"HARK_ENDPOINTS__0__TYPE=log"}, []string{"HARK_ENDPOINTS__0__TYPE", "config file"}},
		{"env bad int", "", []string{"HARK_LISTENER__WORKERS=lots"}, []string{"listener.workers", `"lots"`}},
		{"log format", "log: {format: text}\n", nil, []string{"log.format", `"text"`}},
		{"bad start", "listener: {start: yesterday}\n", nil, []string{"listener.start", `"yesterday"`, "new", "all", "RFC 3339"}},
		{"start without zone", "listener: {start: '2026-12-01T00:00:00'}\n", nil, []string{"listener.start", "RFC 3339"}},
		{"env bad start", "", []string{"HARK_LISTENER__START=soon"}, []string{"listener.start", `"soon"`}},
		{"negative backlog interval", "metrics: {backlog_interval: -1s}\n", nil, []string{"metrics.backlog_interval", "negative"}},
		{"bad backlog interval", "metrics: {backlog_interval: often}\n", nil, []string{"metrics.backlog_interval", `"often"`}},
		{"unknown metrics key", "metrics: {backlog: 5s}\n", nil, []string{"metrics.backlog", "unknown key", "backlog_interval"}},
		{"negative dedup size", "listener: {dedup: {size: -1}}\n", nil, []string{"listener.dedup.size", "-1", "negative"}},
		{"env negative dedup size", "", []string{"HARK_LISTENER__DEDUP__SIZE=-5"}, []string{"listener.dedup.size", "-5"}},
		{"bad dedup size", "listener: {dedup: {size: lots}}\n", nil, []string{"listener.dedup.size", `"lots"`}},
		{"negative dedup window", "listener: {dedup: {window: -1s}}\n", nil, []string{"listener.dedup.window", "negative"}},
		{"bad dedup window", "listener: {dedup: {window: 60}}\n", nil, []string{"listener.dedup.window"}},
		{"unknown dedup key", "listener: {dedup: {sise: 10}}\n", nil, []string{"listener.dedup.sise", "unknown key", "size", "window"}},
		{"not yaml", "listener: [\n", nil, []string{"config file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(Options{File: writeFile(t, tc.yaml), Environ: tc.env})
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestStartAndBacklogInterval: listener.start takes the forms
// transport.ParseStartPosition reads, from the file or the environment,
// and metrics.backlog_interval takes a duration, 0 turning it off.
func TestStartAndBacklogInterval(t *testing.T) {
	for in, want := range map[string]transport.StartPosition{
		"":                     {},
		"new":                  transport.StartNewPosition,
		"ALL":                  transport.StartAllPosition,
		"2026-12-01T00:00:00Z": transport.StartAt(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)),
	} {
		c, err := Load(Options{File: writeFile(t, "listener: {start: '"+in+"'}\n")})
		require.NoError(t, err, in)
		assert.Equal(t, in, c.Listener.Start)
		got := c.Listener.StartPosition()
		assert.Equal(t, want.Policy, got.Policy, in)
		assert.True(t, want.Time.Equal(got.Time), in)
	}
	c, err := Load(Options{
		File:    writeFile(t, "listener: {start: new}\nmetrics: {backlog_interval: 30s}\n"),
		Environ: []string{"HARK_LISTENER__START=2026-12-01T01:00:00+01:00", "HARK_METRICS__BACKLOG_INTERVAL=0"},
	})
	require.NoError(t, err)
	assert.True(t, c.Listener.StartPosition().Time.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)), "the environment wins")
	assert.Equal(t, Duration(0), c.Metrics.BacklogInterval, "0 turns the backlog metric off")

	c, err = Load(Options{File: writeFile(t, "metrics: {backlog_interval: 1m}\nlistener: {start: all}\n")})
	require.NoError(t, err)
	out := c.YAML()
	assert.Contains(t, out, "backlog_interval: 1m0s")
	assert.Contains(t, out, "start: all")
	c2, err := Load(Options{File: writeFile(t, out)})
	require.NoError(t, err, "the printed config loads back")
	assert.Equal(t, c.Metrics, c2.Metrics)
	assert.Equal(t, c.Listener, c2.Listener)
}

// TestDedup: listener.dedup takes a size and a window from the file or
// the environment, and prints back the same.
func TestDedup(t *testing.T) {
	c, err := Load(Options{File: writeFile(t, "listener: {dedup: {size: 500000, window: 2m}}\n")})
	require.NoError(t, err)
	assert.Equal(t, Dedup{Size: 500000, Window: Duration(2 * time.Minute)}, c.Listener.Dedup)
	out := c.YAML()
	assert.Contains(t, out, "size: 500000")
	assert.Contains(t, out, "window: 2m0s")
	c2, err := Load(Options{File: writeFile(t, out)})
	require.NoError(t, err, "the printed config loads back")
	assert.Equal(t, c.Listener, c2.Listener)

	c, err = Load(Options{
		File:    writeFile(t, "listener: {dedup: {window: 2m}}\n"),
		Environ: []string{"HARK_LISTENER__DEDUP__SIZE=0"},
	})
	require.NoError(t, err)
	assert.Equal(t, Dedup{Size: 0, Window: Duration(2 * time.Minute)}, c.Listener.Dedup, "0 turns it off; the window stays from the file")
}

func TestSeveralErrorsAtOnce(t *testing.T) {
	_, err := Load(Options{File: writeFile(t, "listener: {wrokers: 1, pol: x}\nlogg: {}\n")})
	require.Error(t, err)
	for _, w := range []string{"listener.wrokers", "listener.pol", "logg"} {
		assert.Contains(t, err.Error(), w)
	}
	assert.ErrorIs(t, err, ErrUnknownKey)
}

func TestExpand(t *testing.T) {
	lookup := lookupFunc([]string{"A=1", "EMPTY="})
	for in, want := range map[string]string{
		"x${A}y":         "x1y",
		"${B:-def}":      "def",
		"${EMPTY:-def}":  "def",
		"${EMPTY}":       "",
		"$${A}":          "${A}",
		"^active$":       "^active$",
		"a$b":            "a$b",
		"${A}${A}":       "11",
		"pre $${A} ${A}": "pre ${A} 1",
	} {
		got, err := expandString(in, lookup)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"${B}", "${A", "${1A}"} {
		_, err := expandString(in, lookup)
		assert.Error(t, err, in)
	}
}

// TestRedaction: --print-config hides every secret-bearing value by
// position, whatever the header or variable is called, and by value
// wherever a secret-named ${VAR} ends up.
func TestRedaction(t *testing.T) {
	c, err := Load(Options{File: writeFile(t, `
transport_url: "nats://user:hunter2@127.0.0.1:4222"
endpoints:
  - {type: webhook, url: "http://u:pw@127.0.0.1/hook/SECRETPATH?token=abc&x=SECRETQ", secret: shh,
     headers: {X-Api-Key: k1, X-Plain: visible-secret, Authorization: "Bearer SECRETH"}}
  - {type: forward, transport_url: "nats://tok:pw2@127.0.0.1:4222,lonetoken@127.0.0.2", topic: other}
  - {type: exec, command: [notify, --token, "${NOTIFY_TOKEN}", "${PLAIN}"], env: {DB_PASSWORD: pw3, MODE: fast-secret}}
`), Environ: []string{"NOTIFY_TOKEN=SECRETARG", "PLAIN=SECRETCMD"}})
	require.NoError(t, err)
	out := c.YAML()
	for _, secret := range []string{"hunter2", "shh", "k1", "pw2", "pw3", "abc", ":pw@", "SECRETPATH", "SECRETQ",
		"SECRETH", "visible-secret", "fast-secret", "lonetoken", "SECRETARG", "SECRETCMD"} {
		assert.NotContains(t, out, secret)
	}
	assert.Contains(t, out, "url: http://REDACTED@127.0.0.1/REDACTED?token=REDACTED&x=REDACTED")
	assert.Contains(t, out, "X-Plain: "+Redacted)
	assert.Contains(t, out, "MODE: "+Redacted)
	assert.Contains(t, out, "command: [notify, --token, "+Redacted+", "+Redacted+"]")
	// The original is untouched.
	assert.Equal(t, "shh", c.Endpoints[0].Webhook.Secret)
	assert.True(t, strings.Contains(c.TransportURL, "hunter2"))
}

// TestSecrets lists what a Redactor must know, and what it must not
// hide: names and addresses from ${VAR} outside secret positions.
func TestSecrets(t *testing.T) {
	c, err := Load(Options{File: writeFile(t, `
transport_url: "nats://user:hunter22@127.0.0.1:4222/?token=kpw&publish_timeout=30s"
listener: {pool: "${POOL}", targets: [{topic: "${TOPIC}"}]}
endpoints:
  - {type: webhook, url: "http://ann:pw123@127.0.0.1/hook/SECRETPATH?token=SECRETQ", headers: {X-Plain: "Bearer SECRETH"}}
  - {type: exec, command: [run, "${ARG}"], env: {API_KEY: SECRETE}, dir: "${DIR}"}
  - {type: file, path: "/tmp/${API_TOKEN}.jsonl"}
`), Environ: []string{"POOL=billing", "TOPIC=notifications", "ARG=SECRETARG", "DIR=/tmp", "API_TOKEN=SECRETTOK"}})
	require.NoError(t, err)
	got := c.Secrets()
	for _, want := range []string{"hunter22", "kpw", "ann", "pw123", "/hook/SECRETPATH", "token=SECRETQ", "SECRETQ",
		"Bearer SECRETH", "SECRETH", "SECRETE", "SECRETARG", "SECRETTOK"} {
		assert.Contains(t, got, want)
	}
	for _, not := range []string{"user", "30", "billing", "notifications", "/tmp"} {
		assert.NotContains(t, got, not)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"4096": 4096, "10MB": 10e6, "1GiB": 1 << 30, "2 KiB": 2048, "5mb": 5e6, "3K": 3072} {
		var b ByteSize
		require.NoError(t, b.UnmarshalText([]byte(in)), in)
		assert.Equal(t, want, b, in)
	}
	var b ByteSize
	assert.Error(t, b.UnmarshalText([]byte("big")))
}

// TestExampleConfig keeps examples/harkd/harkd.yaml valid.
func TestExampleConfig(t *testing.T) {
	c, err := Load(Options{File: "../../../examples/harkd/harkd.yaml", Environ: []string{"BILLING_TOKEN=tok"}})
	require.NoError(t, err)
	assert.Len(t, c.Endpoints, 3)
	assert.Equal(t, "Bearer tok", c.Endpoints[2].Webhook.Headers["Authorization"])
	assert.Empty(t, c.Warnings)
}

// TestSilentLogEndpointWarns: a log endpoint below log.level writes
// nothing, which Load says rather than accepting in silence.
func TestSilentLogEndpointWarns(t *testing.T) {
	p := writeFile(t, "endpoints:\n  - {name: quiet, type: log, level: debug}\n  - {name: loud, type: log, level: warn}\nlog: {level: info}\n")
	c, err := Load(Options{File: p})
	require.NoError(t, err)
	require.Len(t, c.Warnings, 1)
	assert.Contains(t, c.Warnings[0], `endpoints[0].level: debug is below log.level info, so endpoint "quiet" logs nothing`)

	c, err = Load(Options{File: p, Overrides: map[string]any{"log.level": "debug"}})
	require.NoError(t, err)
	assert.Empty(t, c.Warnings)
}
